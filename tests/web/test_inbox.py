"""The inbox: queues and my tasks, filters kept across visits, deadline order, pages, counts,
and a team leader giving many tasks to one caseworker at once."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient

from engine import Engine
from tests.web.conftest import Login, form_csrf
from workflows.inbox import InboxFilters, inbox
from workflows.users import Users


def _cases(engine: Engine, n: int, division: str = "england-and-wales",
           prefix: str = "CMS-IN") -> list[str]:
    ids = []
    for i in range(n):
        engine.start("complaint_journey", business_key=f"{prefix}-{i:03d}", user="postroom",
                     data={"division": division})
        ids.append(engine.tasks(business_key=f"{prefix}-{i:03d}")[0].id)
    return ids


def test_filters_stay_put_across_visits_and_clear_on_request(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    _cases(api_engine, 2, "scotland", "CMS-SC")
    _cases(api_engine, 1, "england-and-wales", "CMS-EW")
    login_as("caseworker")
    page = client.get("/inbox?division=scotland").get_data(as_text=True)
    assert "CMS-SC-000" in page and "CMS-EW-000" not in page and "2 tasks" in page
    again = client.get("/inbox").get_data(as_text=True)  # a later visit, no parameters
    assert "CMS-SC-001" in again and "CMS-EW-000" not in again
    cleared = client.get("/inbox?clear=1").get_data(as_text=True)
    assert "CMS-EW-000" in cleared and "3 tasks" in cleared


def test_my_tasks_count_and_overdue_marks(client: FlaskClient, login_as: Login,
                                          api_engine: Engine) -> None:
    [first, _] = _cases(api_engine, 2)
    api_engine.claim(first, user="caseworker", roles={"caseworker"})
    login_as("caseworker")
    page = client.get("/inbox?view=mine").get_data(as_text=True)
    assert "My tasks (1)" in page and "All tasks in my queues (2)" in page
    assert "1 task" in page


def test_pages_of_25_sorted_by_deadline(api_engine: Engine, demo: list[str]) -> None:
    _cases(api_engine, 30)
    first = inbox(api_engine, user="caseworker", lanes=["caseworker"],
                  filters=InboxFilters(view="queues"))
    assert (first.total, first.pages, len(first.rows)) == (30, 2, 25)
    second = inbox(api_engine, user="caseworker", lanes=["caseworker"],
                   filters=InboxFilters(view="queues", page=2))
    assert len(second.rows) == 5
    keys = [r.due or r.created_at.date() for r in first.rows + second.rows]
    assert keys == sorted(keys)


def test_overdue_filter_uses_the_task_or_case_deadline(api_engine: Engine, clock: object,
                                                      demo: list[str]) -> None:
    _cases(api_engine, 1)
    clock.advance(timedelta(days=400))  # type: ignore[attr-defined]
    rows = inbox(api_engine, user="x", lanes=["caseworker"],
                 filters=InboxFilters(view="queues", due="overdue")).rows
    none = inbox(api_engine, user="x", lanes=["caseworker"],
                 filters=InboxFilters(view="queues", due="none")).rows
    assert len(rows) + len(none) == 1


def test_team_leader_sees_the_caseworkers_queue_and_reassigns_many_at_once(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    ids = _cases(api_engine, 3)
    Users(api_engine).create("cw2", display_name="Second caseworker", roles=["caseworker"],
                             password="a-long-password-1")
    api_engine.claim(ids[0], user="caseworker", roles={"caseworker"})
    login_as("team_leader")
    page = client.get("/inbox?view=queues").get_data(as_text=True)
    assert "You lead the caseworker queue" in page and "Reassign selected tasks" in page
    assert len(re.findall(r'name="task" type="checkbox"', page)) == 3
    csrf = form_csrf(client, "/inbox")
    done = client.post("/inbox/reassign", data={"csrf_token": csrf, "assignee": "cw2",
                                                "task": ids[:2]})
    assert done.status_code == 302
    assert [api_engine.task(i).assignee for i in ids] == ["cw2", "cw2", None]
    assert "2 tasks given to Second caseworker" in client.get("/inbox").get_data(as_text=True)


def test_a_caseworker_cannot_reassign(client: FlaskClient, login_as: Login,
                                      api_engine: Engine) -> None:
    ids = _cases(api_engine, 1)
    login_as("caseworker")
    csrf = form_csrf(client, "/inbox")
    client.post("/inbox/reassign", data={"csrf_token": csrf, "assignee": "caseworker",
                                         "task": ids})
    assert api_engine.task(ids[0]).assignee is None
