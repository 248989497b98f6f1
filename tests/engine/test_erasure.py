"""engine.erasure: keys go from data mappings, values from every text; the audit stays closed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, update

from engine import Engine
from engine.erasure import REMOVED, Erasure, erase_instance_rows, scrub_state
from engine.tables import audit_log


def test_erasure_drops_keys_and_blanks_values_case_insensitively_at_any_depth() -> None:
    erasure = Erasure.of(["staff_name"], ["Ann Other", "", "x", "2026", 42])  # never blanked
    data = {"staff_name": "Ann Other", "issues": ["Rude: ANN OTHER"],
            "nested": {"staff_name": "Ann Other", "note": "ann other said x"}, "n": 3}
    assert erasure.scrub(data) == {"issues": [f"Rude: {REMOVED}"],
                                   "nested": {"note": f"{REMOVED} said x"}, "n": 3}
    assert erasure.values == ("Ann Other",)


def test_scrub_state_touches_only_data_mappings() -> None:
    erasure = Erasure.of(["spec", "staff_name"], ["Ann Other"])
    state = {"spec": "Ann Other", "data": {"staff_name": "Ann Other", "spec": "gone"},
             "tasks": {"t1": {"data": {"staff_name": "x", "a": "by Ann Other"}, "spec": "s"}}}
    cleaned = json.loads(scrub_state(json.dumps(state).encode(), erasure))
    assert cleaned == {"spec": "Ann Other", "data": {},
                       "tasks": {"t1": {"data": {"a": f"by {REMOVED}"}, "spec": "s"}}}


def test_audit_rows_are_erased_but_stay_append_only_otherwise(engine: Engine) -> None:
    with engine.db.begin() as conn:
        conn.execute(insert(audit_log).values(instance_id=7, at=engine.clock.now(), actor="a",
                                              action="task_completed", task_id=None,
                                              detail={"issues": {"after": ["by Ann Other"]}}))
        assert erase_instance_rows(conn, 7, Erasure.of([], ["Ann Other"])) == 1
    with engine.db.connect() as conn:
        detail = conn.execute(audit_log.select()).one().detail
    assert detail == {"issues": {"after": [f"by {REMOVED}"]}}
    with pytest.raises(Exception, match="append-only"), engine.db.begin() as conn:
        conn.execute(update(audit_log).values(detail={}))
