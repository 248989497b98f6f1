"""The operations figures, read from the database, against describing every instance one by one.

``workflows.figures.compute`` reads narrow columns and judges each distinct summary value once;
``_described`` below is the straightforward computation it replaced (every instance as a record,
described with ``workflows.services.describe_many``). On a generated caseload of mixed tiers,
statuses, outcomes, deadlines and payments, including malformed values, the two must agree.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from engine import Engine, SimulatedClock
from engine.calendar import parse_division, working_days_between
from engine.tables import process_instances
from workflows.figures import EXCLUDED_ROUTES, Figures, compute
from workflows.services import InstanceView, describe_many, parse_due

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d_case" targetNamespace="http://redress.test/case">
  <bpmn:process id="case" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="Work the case">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
NOW = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
ABSENT = object()  # the key is left out of the summary

TIERS = ("dissatisfaction", "resolution", "review", "ice", "phso", "appeal", "refused", "",
         None, 7, ABSENT)
ROUTES = ("consolatory_payment_referral", "complaint", "complaint", None, ABSENT, ABSENT)
OUTCOMES = ("upheld", "part_upheld", "not_upheld", "justified", "", None, 0, ABSENT)
DIVISIONS = ("england-and-wales", "scotland", "NI", "ew", "atlantis", None, 3, ABSENT)
PAYMENTS = (50, 12.35, 0.1, 0.2, 0.30000000000000004, 99.995, 0, -5, True, "30", None, ABSENT)
PAYMENT_STATUS = ("paid", "pending", "", None, ABSENT)
SUBJECTS = ("late letter", "rude call", "lost papers", "", None, 7, ABSENT)
STATUSES = ("active", "active", "active", "suspended", "completed", "completed", "cancelled")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = Engine.create(database_url, clock=SimulatedClock(NOW))
    eng.init_db()
    eng.deploy({"case.bpmn": DIAGRAM}, name="figures", user="analyst")
    eng.start("case", business_key="TEMPLATE", user="t", data={})
    yield eng
    eng.close()


def _deadline(rnd: random.Random, received: datetime) -> Any:
    due = received + timedelta(days=rnd.randrange(10, 40))
    return rnd.choice((due.date().isoformat(), due.date().isoformat(),
                       due.replace(tzinfo=None).isoformat(timespec="seconds"),
                       due.isoformat(timespec="seconds"), "soon", 20260401, None, ABSENT))


def _case(rnd: random.Random) -> dict[str, Any]:
    """A process_instances row: a summary like the complaints package's, some of it malformed."""
    started = NOW - timedelta(days=rnd.uniform(0, 240))
    received = started - timedelta(days=rnd.choice((0, 0, 1, 3)))
    summary = {
        "tier": rnd.choice(TIERS), "route": rnd.choice(ROUTES),
        "response_due": _deadline(rnd, received),
        "received_date": rnd.choice((received.date().isoformat(), received.date().isoformat(),
                                     received.isoformat(), "yesterday", ABSENT)),
        "outcome": rnd.choice(OUTCOMES), "division": rnd.choice(DIVISIONS),
        "payment_total": rnd.choice(PAYMENTS), "payment_status": rnd.choice(PAYMENT_STATUS),
        "subject": rnd.choice(SUBJECTS),
    }
    status = rnd.choice(STATUSES)
    ended = started + timedelta(days=rnd.uniform(0.1, 70)) if status in ("completed",
                                                                          "cancelled") else None
    if rnd.random() < 0.02:  # inconsistent rows: an end time on an open case, or none on a closed
        ended = None if ended else started + timedelta(days=5)
    return {"status": status, "started_at": started, "updated_at": ended or started,
            "ended_at": ended, "summary": {k: v for k, v in summary.items() if v is not ABSENT}}


def _add(engine: Engine, cases: list[dict[str, Any]]) -> None:
    """Insert cases as copies of the template instance (figures read only this table)."""
    with engine.db.begin() as conn:
        template = conn.execute(select(process_instances).where(
            process_instances.c.business_key == "TEMPLATE")).one()._asdict()
        del template["id"]
        first = 1 + len(conn.execute(select(process_instances.c.id)).all())
        conn.execute(insert(process_instances), [
            {**template, "business_key": f"CMS-{first + n:05d}", "revision": 1, **case}
            for n, case in enumerate(cases)])


def _generate(engine: Engine, count: int, seed: int = 19) -> None:
    rnd = random.Random(seed)
    _add(engine, [_case(rnd) for _ in range(count)])


# --- the straightforward computation: describe every instance ---------------------------------


def _all(engine: Engine) -> list[InstanceView]:
    records, after = [], None
    while page := engine.instances(after_id=after, limit=100):
        records += page
        after = page[-1].id
    return describe_many(engine, records)


def _day(value: Any) -> date | None:
    due = parse_due(value)
    return due.date() if isinstance(due, datetime) else due


def _received(v: InstanceView) -> date:
    return _day(v.record.summary.get("received_date")) or v.record.started_at.date()


def _within(day: date | None, start: date | None, end: date | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def _division(value: Any) -> Any:
    try:
        return parse_division(str(value or "england-and-wales"))
    except ValueError:
        return "england-and-wales"


def _described(engine: Engine, start: date | None, end: date | None) -> dict[str, Any]:
    views = [v for v in _all(engine) if v.record.summary.get("route") not in EXCLUDED_ROUTES
             and v.record.status != "cancelled"]
    opened = [v for v in views if v.record.status in ("active", "suspended")]
    closed = [v for v in views if v.record.ended_at and _within(v.record.ended_at.date(),
                                                                 start, end)]
    days = [working_days_between(_received(v), v.record.ended_at.date(),  # type: ignore[union-attr]
                                 _division(v.record.summary.get("division"))) for v in closed]
    dues = [(v, _day(v.record.summary.get("response_due"))) for v in closed]
    met = [v.record.ended_at.date() <= due for v, due in dues if due]  # type: ignore[union-attr]
    decided = [v.outcome for v in closed if v.outcome]
    paid: dict[str, float] = defaultdict(float)
    for v in closed:
        amount = v.record.summary.get("payment_total")
        if isinstance(amount, int | float) and not isinstance(amount, bool) and amount > 0:
            paid[str(v.record.summary.get("payment_status") or "unknown")] += amount
    return {
        "received": sum(1 for v in views if _within(_received(v), start, end)),
        "closed": len(closed),
        "open_by_tier": dict(Counter(v.tier or "unknown" for v in opened)),
        "days_to_resolve": {"count": len(days),
                            "mean": round(statistics.fmean(days), 1) if days else None,
                            "median": statistics.median(days) if days else None},
        "within_target": {"count": len(met), "met": sum(met),
                          "share": round(sum(met) / len(met), 3) if met else None},
        "overdue": [{"id": v.record.id, "business_key": v.record.business_key, "tier": v.tier,
                     "deadline": v.deadline} for v in opened if v.overdue],
        "outcomes": dict(Counter(decided)),
        "upheld_rate": (round(sum(o in ("upheld", "part_upheld") for o in decided)
                              / len(decided), 3) if decided else None),
        "special_payments": {
            "count": sum(1 for v in closed if _paid(v)), "total": round(sum(paid.values()), 2),
            "by_status": {k: round(t, 2) for k, t in sorted(paid.items())}},
        "systemic": _systemic(views),
    }


def _paid(v: InstanceView) -> bool:
    amount = v.record.summary.get("payment_total")
    return isinstance(amount, int | float) and not isinstance(amount, bool) and amount > 0


def _systemic(views: list[InstanceView]) -> list[dict[str, Any]]:
    today, first_month = NOW.date(), date(2025, 10, 1)  # six months back from March 2026
    months: dict[str, Counter[str]] = defaultdict(Counter)
    recent: Counter[str] = Counter()
    for v in views:
        subject, ended = v.record.summary.get("subject"), v.record.ended_at
        if isinstance(subject, str) and subject and ended:
            if ended.date() >= first_month:
                months[subject][ended.strftime("%Y-%m")] += 1
            recent[subject] += today - ended.date() <= timedelta(days=30)
    return [{"subject": s, "by_month": dict(sorted(months[s].items())),
             "closed_last_30_days": recent[s], "flagged": recent[s] >= 3} for s in sorted(months)]


def _figures(f: Figures) -> dict[str, Any]:
    return {k: v for k, v in vars(f).items() if k not in ("as_of", "period_from", "period_to")}


# --- the tests -----------------------------------------------------------------------------


PERIODS = [(None, None), (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 3, 1), None),
           (None, date(2025, 12, 31)), (date(2027, 1, 1), date(2027, 1, 31))]


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_figures_from_the_database_agree_with_describing_every_instance(
    engine: Engine, start: date | None, end: date | None
) -> None:
    _generate(engine, 400)
    figures = compute(engine, start=start, end=end)
    expected = _described(engine, start, end)
    assert _figures(figures) == expected
    assert list(figures.open_by_tier) == list(expected["open_by_tier"])  # same order too
    assert list(figures.outcomes) == list(expected["outcomes"])
    assert (figures.as_of, figures.period_from, figures.period_to) == (NOW, start, end)


def test_figures_generated_caseload_covers_every_kind_of_figure(engine: Engine) -> None:
    _generate(engine, 400)
    figures = compute(engine)
    assert len(figures.open_by_tier) >= 6 and "unknown" in figures.open_by_tier
    assert figures.overdue and figures.closed > 50 and len(figures.outcomes) == 5
    assert figures.special_payments["count"] > 10 and figures.systemic
    assert figures.days_to_resolve["count"] == figures.closed
    assert 0 < figures.within_target["count"] < figures.closed  # some have no usable deadline


def test_r19_consolatory_payment_referral_records_change_no_figure(engine: Engine) -> None:
    _generate(engine, 200)
    before = compute(engine, start=date(2026, 1, 1), end=date(2026, 3, 31))
    rnd = random.Random(5)
    referrals = [_case(rnd) for _ in range(120)]
    for case in referrals:
        case["summary"]["route"] = "consolatory_payment_referral"
    assert {c["status"] for c in referrals} == set(STATUSES)
    assert sum(1 for c in referrals if c.get("summary", {}).get("payment_total") == 50) > 3
    _add(engine, referrals)
    assert compute(engine, start=date(2026, 1, 1), end=date(2026, 3, 31)) == before


def test_r29_third_closure_on_one_subject_within_30_days_is_flagged(engine: Engine) -> None:
    def closed(subject: str, days_ago: float) -> dict[str, Any]:
        ended = NOW - timedelta(days=days_ago)
        return {"status": "completed", "started_at": ended - timedelta(days=9),
                "updated_at": ended, "ended_at": ended, "summary": {"subject": subject}}

    _add(engine, [closed("lost papers", d) for d in (1, 12, 29)]
         + [closed("rude call", d) for d in (2, 40, 90)]
         + [{**closed("late letter", d), "summary": {"subject": "late letter",
                                                     "route": "consolatory_payment_referral"}}
            for d in (3, 4, 5)])
    systemic = {s["subject"]: s for s in compute(engine).systemic}
    assert systemic["lost papers"]["flagged"] is True
    assert systemic["lost papers"]["by_month"] == {"2026-02": 1, "2026-03": 2}
    assert (systemic["rude call"]["closed_last_30_days"], systemic["rude call"]["flagged"]) == (
        1, False)
    assert "late letter" not in systemic  # R19 records are not complaints
