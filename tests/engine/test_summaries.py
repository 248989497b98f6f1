"""Narrow summary reads for figures: exact JSON texts, exact exclusion, one snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from engine import Engine, summaries
from engine.db import is_postgres
from engine.summaries import (
    SummaryGroup,
    ended_summaries,
    snapshot,
    start_times,
    unfinished_groups,
)
from engine.tables import process_instances
from tests.engine.conftest import diagram_files

REFERRAL = "consolatory_payment_referral"


def _add(engine: Engine, *summaries: dict[str, Any] | str, ended: bool = False) -> list[int]:
    """Copies of a started instance with these summaries (a str is stored as raw JSON text)."""
    engine.deploy(diagram_files("simple.bpmn", "review.schema.json"), name="s", user="a")
    engine.start("simple", business_key="TEMPLATE", user="t", data={})
    when = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    with engine.db.begin() as conn:
        template = conn.execute(select(process_instances).where(
            process_instances.c.business_key == "TEMPLATE")).first()
        assert template is not None
        row = {k: v for k, v in template._asdict().items() if k != "id"}
        ids = []
        for n, summary in enumerate(summaries):
            ids.append(conn.execute(insert(process_instances).values(
                {**row, "business_key": f"K-{n}", "summary": {}, "started_at": when,
                 "status": "completed" if ended else "active",
                 "ended_at": when if ended else None})).inserted_primary_key[0])
            if isinstance(summary, str):  # raw text, as another writer may have stored it
                cast = "CAST(:s AS JSON)" if is_postgres(engine.db) else ":s"
                conn.execute(text(f"UPDATE process_instances SET summary = {cast} WHERE id = :i"),
                             {"s": summary, "i": ids[-1]})
            else:
                conn.execute(process_instances.update().where(
                    process_instances.c.id == ids[-1]).values(summary=summary))
    return ids


def _groups(engine: Engine, keys: list[str], **options: Any) -> list[SummaryGroup]:
    with snapshot(engine.db) as conn:
        return unfinished_groups(conn, keys, **options)


def _kept(engine: Engine, ids: list[int], values: list[str]) -> list[int]:
    members = [m for g in _groups(engine, [], exclude={"route": values}) for m in g.members()]
    return sorted(i for i, _ in members if i in ids)


def test_summary_values_come_back_as_the_json_text_the_summary_holds(engine: Engine) -> None:
    summary = {"a": 0.30000000000000004, "b": True, "c": "caf\u00e9 \"q\"", "d": [1, None],
               "e": None, "f": 12345678901234567890}
    [i] = _add(engine, summary)
    [group] = [g for g in _groups(engine, list("abcdefg")) if (i, "K-0") in g.members()]
    assert (group.status, group.size, group.first_id) == ("active", 1, i)
    texts = dict(zip("abcdefg", group.values, strict=True))
    assert {k: None if t is None else json.loads(t) for k, t in texts.items()} == {
        k: summary.get(k) for k in "abcdefg"}
    assert (texts["e"], texts["g"]) == ("null", None)  # JSON null, absent key


def test_unfinished_instances_are_counted_per_status_and_distinct_value(engine: Engine) -> None:
    ids = _add(engine, {"tier": "review"}, {"tier": "ice"}, {"tier": "review"}, {"tier": 7}, {})
    found = {(g.status, g.values): (g.size, g.first_id, g.members())
             for g in _groups(engine, ["tier"])}
    assert found[("active", ('"review"',))] == (2, ids[0], [(ids[0], "K-0"), (ids[2], "K-2")])
    assert found[("active", ("7",))][0] == 1
    assert found[("active", (None,))][0] == 2  # the template and the empty summary


def test_ended_instances_come_with_their_times_and_whole_summary(engine: Engine) -> None:
    [i] = _add(engine, {"tier": "review", "payment_total": 12.5}, ended=True)
    with snapshot(engine.db) as conn:
        [row] = ended_summaries(conn)
        assert start_times(conn, [i, 10**9]) == {i: datetime(2026, 3, 20, 9, 0, tzinfo=UTC)}
    assert (row.id, row.business_key, row.status) == (i, "K-0", "completed")
    assert row.started_at == row.ended_at == datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    assert row.summary == {"tier": "review", "payment_total": 12.5}
    assert all(i not in (m for m, _ in g.members()) for g in _groups(engine, []))


def test_r19_only_a_route_that_is_exactly_the_excluded_string_is_left_out(
    engine: Engine
) -> None:
    ids = _add(
        engine,
        {"route": REFERRAL},
        '{"route": "consolatory\\u005fpayment_referral"}',  # the same string, escaped
        {"route": "Consolatory_payment_referral"},  # SQLite's LIKE would match this one
        {"route": REFERRAL + " "},
        {"route": ["consolatory_payment_referral"]},
        {"subject": REFERRAL, "route": "complaint"},
        {"route": None},
        {},
    )
    assert _kept(engine, ids, [REFERRAL]) == ids[2:]
    [ended] = _add(engine, {"route": REFERRAL}, ended=True)
    with snapshot(engine.db) as conn:
        assert ended not in [r.id for r in ended_summaries(conn, exclude={"route": [REFERRAL]})]


def test_exclusion_compares_strings_only(engine: Engine) -> None:
    ids = _add(engine, {"route": 5}, {"route": "5"}, {"route": True}, {"route": "true"})
    assert _kept(engine, ids, ["5", "true"]) == [ids[0], ids[2]]


def test_before_sqlite_3_38_the_json_text_is_rebuilt_from_json_extract(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summaries, "_SQLITE_ARROW", False)  # no -> operator (on PostgreSQL: no-op)
    summary = {"a": 7, "b": True, "c": "caf\u00e9 \"q\"", "d": [1, {"x": None}], "e": None,
               "f": False, "h": "", "i": 12.5, "route": "complaint"}
    ids = _add(engine, summary, {"route": REFERRAL})
    [group] = [g for g in _groups(engine, list("abcdefghi"), exclude={"route": [REFERRAL]})
               if (ids[0], "K-0") in g.members()]
    texts = dict(zip("abcdefghi", group.values, strict=True))
    assert {k: None if t is None else json.loads(t) for k, t in texts.items()} == {
        k: summary.get(k) for k in "abcdefghi"}
    assert (texts["e"], texts["g"]) == ("null", None)
    assert _kept(engine, ids, [REFERRAL]) == ids[:1]
