"""web.form_fields: the fields a task page draws, with the engine's errors next to them."""

from __future__ import annotations

from tests.web.test_forms import SCHEMA
from web.forms import build_form, form_values, initial_data, parse_form


def test_an_error_in_a_kept_row_points_at_the_row_the_user_filled_in() -> None:
    posted = {"plan.0.reason": [""], "plan.1.reason": [""], "plan.2.reason": ["Rude"]}
    submission = parse_form(SCHEMA, posted)
    assert submission.rows == {"plan": [2]}
    form = build_form(SCHEMA, posted, rows=submission.rows,
                      errors=["plan/0: 'type' is a required property"])
    cell = next(f for f in form.walk() if f.name == "plan.2.type")
    assert cell.errors == ["Select type"]
    assert form.summary == [("f-plan-2-type", "Resolution plan, entry 3: Select type")]


def test_engine_errors_land_next_to_their_fields_in_plain_words() -> None:
    errors = ["(form): 'details' is a required property", "(form): 'agreed' is a required property",
              "plan: [] should be non-empty", "received: '2026-02-30' is not a 'date'",
              "days: 0 is less than the minimum of 1", "done: True was expected",
              "(form): Additional properties are not allowed ('x' was unexpected)"]
    form = build_form(SCHEMA, {"received": ["2026-02-30"], "days": ["0"]}, errors=errors)
    by_name = {f.name: f for f in form.walk()}
    assert by_name["details"].errors == ["Enter complaint details"]
    assert by_name["agreed"].errors == ["Select yes or no for ‘Client agrees’"]
    assert by_name["plan"].errors == ["Fill in at least 1 entry for ‘Resolution plan’"]
    assert by_name["received"].errors == ["Enter a real date for ‘Received on’"]
    assert by_name["days"].errors == ["‘Days’ must be 1 or more"]
    assert by_name["done"].errors == ["Tick ‘All done’ to continue"]
    assert form.summary[0] == ("f-details", "Enter complaint details")
    assert form.summary[-1][0] == "task-form"  # not about one field: linked to the form
    assert by_name["received"].value == "2026-02-30"  # what the user typed is kept


def test_a_fresh_form_shows_the_case_values_then_the_defaults_and_spare_rows() -> None:
    case = {"details": "From the log", "vulnerable": None, "unrelated": 1,
            "plan": [{"type": "apology", "reason": "Late", "due_date": "2026-04-01",
                      "status": "draft", "client_approved": True}]}
    data = initial_data(SCHEMA, case)
    assert data == {"details": "From the log", "vulnerable": False, "plan": case["plan"]}
    form = build_form(SCHEMA, form_values(SCHEMA, data), spare_rows=2)
    plan = next(f for f in form.fields if f.name == "plan")
    assert [row.label for row in plan.children] == ["Entry 1", "Entry 2", "Entry 3"]
    assert plan.children[0].children[0].value == "apology"
