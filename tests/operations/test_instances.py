"""The instances page: search by client name and filters, counts, keyset pages, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from engine import Engine, SimulatedClock
from engine.instance_search import InstanceFilter, iter_instances, search_instances
from engine.variables import set_variables
from tests.operations.conftest import start, start_with_incident
from tests.web.conftest import Login


def test_search_by_client_name_finds_only_that_client(complaints: Engine, client: FlaskClient,
                                                      login_as: Login) -> None:
    start(complaints, "CMS-0001", client={"name": "Robin Sample"})
    start(complaints, "CMS-0002", client={"name": "Sam Other"})
    login_as("operations")
    page = client.get("/operations?client_name=robin").get_data(as_text=True)
    assert "CMS-0001" in page
    assert "CMS-0002" not in page
    assert "1 case" in page


def test_filters_status_incident_division_and_counts(complaints: Engine) -> None:
    start(complaints, "CMS-0001", division="scotland")
    broken = start_with_incident(complaints, "CMS-0002")
    page = search_instances(complaints, InstanceFilter(status="incident"))
    assert [r.id for r in page.records] == [broken.id]
    assert page.counts["active"] == 2 and page.counts["incident"] == 1
    assert [r.business_key for r in search_instances(
        complaints, InstanceFilter(division="scotland")).records] == ["CMS-0001"]
    assert search_instances(complaints, InstanceFilter(tier="ice")).records == []
    assert search_instances(complaints, InstanceFilter(client_name="100%_")).records == []


def test_keyset_pages_are_newest_first_and_do_not_overlap(complaints: Engine) -> None:
    for n in range(5):
        start(complaints, f"CMS-00{n:02d}")
    first = search_instances(complaints, InstanceFilter(), limit=2)
    second = search_instances(complaints, InstanceFilter(), before=first.next_before, limit=2)
    third = search_instances(complaints, InstanceFilter(), before=second.next_before, limit=2)
    keys = [r.business_key for p in (first, second, third) for r in p.records]
    assert keys == ["CMS-0004", "CMS-0003", "CMS-0002", "CMS-0001", "CMS-0000"]
    assert third.next_before is None
    assert len(list(iter_instances(complaints, InstanceFilter(), chunk=2))) == 5


def test_overdue_filter_uses_the_response_date(complaints: Engine,
                                              clock: SimulatedClock) -> None:
    case = start(complaints, "CMS-0001")
    assert search_instances(complaints, InstanceFilter(overdue=True)).records == []
    clock.advance(timedelta(days=60))
    set_variables(complaints, case.id, {"response_due": "2026-04-01"}, user="ops",
                  reason="test deadline")
    assert [r.id for r in search_instances(complaints, InstanceFilter(overdue=True)).records] \
        == [case.id]


def test_bad_filter_values_are_a_clear_400(complaints: Engine, client: FlaskClient,
                                           login_as: Login) -> None:
    login_as("operations")
    reply = client.get("/operations?status=exploded")
    assert reply.status_code == 400
    assert "status must be one of" in reply.get_data(as_text=True)
    assert client.get("/operations?version=abc").status_code == 400


def test_csv_export_lists_the_filtered_cases(complaints: Engine, client: FlaskClient,
                                             login_as: Login) -> None:
    start(complaints, "CMS-0001", client={"name": "Robin Sample"})
    start(complaints, "=HYPERLINK(1)", client={"name": "Robin Sample"})
    start(complaints, "CMS-0003", client={"name": "Sam Other"})
    login_as("operations")
    reply = client.get("/operations/instances.csv?client_name=robin")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert sorted(r["business_key"] for r in rows) == ["'=HYPERLINK(1)", "CMS-0001"]
    assert {r["tier"] for r in rows} == {"dissatisfaction"}


def test_caseworkers_cannot_open_the_console(complaints: Engine, client: FlaskClient,
                                             login_as: Login) -> None:
    login_as("caseworker")
    assert client.get("/operations").status_code == 403


def test_incident_list_names_the_case_reference(complaints: Engine, client: FlaskClient,
                                                login_as: Login) -> None:
    broken = start_with_incident(complaints, "CMS-0777")
    [incident] = complaints.incidents()
    assert incident.business_key == "CMS-0777"
    login_as("operations")
    page = client.get("/operations").get_data(as_text=True)
    link = f'/operations/instances/{broken.id}#incidents">CMS-0777</a>'
    assert link in page and f">Case {broken.id}<" not in page


def test_search_indexes_exist_on_postgresql_and_serve_the_client_name_search(
        complaints: Engine) -> None:
    """The 100,000-instance goal (issue 13) rests on these indexes (migration 0006)."""
    if complaints.db.dialect.name != "postgresql":
        pytest.skip("PostgreSQL-only indexes")
    from sqlalchemy import text

    from engine.instance_search import SEARCH_INDEXES
    with complaints.db.connect() as conn:
        names = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'instance_facts'")).scalars())
        assert set(SEARCH_INDEXES) <= names
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT instance_id FROM instance_facts "
            "WHERE client_name ILIKE '%robin%'")).scalars())
    assert "ix_instance_facts_client_trgm" in plan


def test_search_facts_follow_every_change_of_an_instance(complaints: Engine) -> None:
    """The facts the search filters on are kept by the database in the writing transaction:
    a data repair that changes the division, a suspension, a cancellation are found at once."""
    case = start(complaints, "CMS-0801", client={"name": "Casey Fictional"})
    assert [r.id for r in search_instances(complaints, InstanceFilter(
        client_name="casey", division="england-and-wales")).records] == [case.id]
    set_variables(complaints, case.id, {"division": "scotland"}, user="ops", reason="moved")
    assert search_instances(complaints, InstanceFilter(division="england-and-wales")).total == 0
    assert search_instances(complaints, InstanceFilter(division="scotland")).total == 1
    complaints.suspend(case.id, user="ops", reason="check")
    page = search_instances(complaints, InstanceFilter(client_name="CASEY"))
    assert page.counts["suspended"] == 1 and page.counts["active"] == 0
    complaints.cancel(case.id, user="ops", reason="duplicate")
    assert search_instances(complaints, InstanceFilter(status="cancelled",
                                                       client_name="casey")).total == 1
