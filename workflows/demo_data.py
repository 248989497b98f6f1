"""``redress demo-data``: a quarter of synthetic complaints, driven through the real diagrams.

A newcomer should see every page and figure populated. Complaints arrive over the last 91 days
on a simulated clock that only moves forward; each case's next step is scheduled a few days
after its last, and every step is the engine's ordinary one (forms validated, timers fired as
the clock passes them, letters rendered), so the history is what real use would leave. Names
are synthetic; the random generator is seeded, so two runs tell the same story.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from engine import Engine, RedressError, SimulatedClock

__all__ = ["DemoReport", "generate"]

FIRST = ("Alex", "Sam", "Robin", "Jordan", "Casey", "Morgan", "Taylor", "Jamie", "Riley",
         "Avery", "Quinn", "Rowan", "Charlie", "Drew", "Emerson", "Harper")
LAST = ("Example", "Sample", "Testwell", "Placeholder", "Demo", "Fictional", "Madeup",
        "Specimen", "Mockford", "Notreal")
DIVISIONS = ("england-and-wales",) * 6 + ("scotland",) * 2 + ("northern-ireland",)
SUBJECTS = ("payment_delay", "wrong_calculation", "lost_correspondence", "staff_conduct",
            "arrears", "no_reply")
STEP_DAYS = (1, 2, 3, 5, 8)
ISSUES = ["Synthetic issue", "Second synthetic issue"]  # part upheld needs two (R24)


@dataclass
class DemoReport:
    started: int = 0
    steps: int = 0
    failed: int = 0
    cancelled: int = 0
    incidents: int = 0
    by_department: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


def _client(rnd: random.Random) -> dict[str, Any]:
    name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
    number = rnd.randrange(1, 200)
    return {"title": rnd.choice(("Ms", "Mr", "Mx")), "name": name,
            "role": rnd.choice(("receiving_parent", "paying_parent")),
            "address": [f"{number} Example Street", "Exampletown"], "postcode": "ZZ1 1ZZ",
            "reference": f"CR-{rnd.randrange(100000, 999999)}", "contact_preference": "post"}


class _Driver:
    """Completes a case's open tasks as the people in the lanes would (synthetic answers)."""

    def __init__(self, engine: Engine, rnd: random.Random, report: DemoReport) -> None:
        self.engine, self.rnd, self.report = engine, rnd, report

    def complete(self, instance_id: int, spec_id: str, data: dict[str, Any]) -> None:
        open_tasks = self.engine.tasks(instance_id=instance_id)
        found = [t for t in open_tasks if t.spec_id == spec_id] or [
            t for t in open_tasks if t.spec_id == f"{spec_id}_late"]  # its deadline passed
        if not found:
            raise RedressError(f"no open task {spec_id}")
        lane = found[0].lane or "caseworker"
        self.engine.complete(found[0].id, data, user=f"demo-{lane}", roles={lane})
        self.report.steps += 1

    def log(self, iid: int, contact: str) -> None:
        self.complete(iid, "in_log", {
            "source": "client", "contact_type": contact, "subject": self.rnd.choice(SUBJECTS),
            "complaint_details": "Synthetic demo complaint.", "issues": ["Synthetic issue"]})

    def dissatisfaction(self, iid: int) -> Iterator[None]:
        plan = [{"type": "apology", "reason": "Synthetic issue", "due_date": "2026-12-31",
                 "status": "draft", "client_approved": False}]
        for spec, data in (
            ("ds_call", {"phone_contact_made": True}),
            ("ds_investigate", {"reasons": [{"reason": "Synthetic issue", "type": "delay"}],
                                "root_cause": "caseworker_error"}),
            ("ds_plan", {"resolution_plan": plan, "plan_discussed_by_phone": True,
                         "client_agrees": False}),
            ("ds_tl", {"tl_decision": "unable_to_resolve"}),
            ("ds_chronology", {"chronology": [{"date": "2026-01-05", "event": "Logged"}],
                               "referral_summary": "Client unhappy with the plan."}),
            ("ds_g7", {"case_conference": False, "escalation_authorised": True}),
            ("ds_inform", {"client_told_by_phone": True}),
        ):
            self.complete(iid, spec, data)
            yield

    def resolution(self, iid: int, outcome: str, dissatisfied: bool) -> Iterator[None]:
        self.complete(iid, "rs_contact", {"contact_method": "phone", "issues": ISSUES,
                                          "resolved_on_call": False})
        yield
        self.complete(iid, "rs_investigate", {"findings": "Synthetic findings.",
                                              "root_cause": "system_error"})
        yield
        form: dict[str, Any] = {"outcome": outcome, "outcome_explanation": "Synthetic.",
                                "issues": ISSUES}
        if outcome in ("upheld", "part_upheld") and self.rnd.random() < 0.6:
            form["special_payment"] = {"financial_loss": self.rnd.choice((0, 25.5, 80, 120)),
                                       "consolatory": self.rnd.choice((25, 50, 75))}
        self.complete(iid, "rs_outcome", form)
        yield
        self.complete(iid, "rs_tell", {"contact_method": "phone",
                                       "client_still_dissatisfied": dissatisfied,
                                       "case_conference_worthwhile": False})
        yield

    def ask_for_review(self, iid: int) -> None:
        """An upheld client still unhappy asks for a review (R26); not upheld is escalated."""
        if not any(t.spec_id.startswith("rv_") for t in self.engine.tasks(instance_id=iid)):
            record = self.engine.instance(iid, with_data=False)
            self.engine.correlate("review_requested", record.business_key,
                                  {"received_date": self.engine.clock.now().date().isoformat()})

    def review(self, iid: int, outcome: str) -> Iterator[None]:
        for spec, data in (
            ("rv_contact", {"contact_method": "phone", "issues": ISSUES,
                            "resolved_on_call": False}),
            ("rv_investigate", {"findings": "Synthetic review.",
                                "all_appropriate_action_taken": True,
                                "revised_plan_needed": False}),
            ("rv_outcome", {"outcome": outcome, "outcome_explanation": "Reviewed.",
                            "issues": ISSUES}),
            ("rv_tell", {"contact_method": "phone", "client_still_dissatisfied": True}),
        ):
            self.complete(iid, spec, data)
            yield


def _story(driver: _Driver, iid: int, rnd: random.Random) -> Iterator[None]:
    """One case's steps; each ``yield`` lets days pass before the next."""
    roll = rnd.random()
    outcome = rnd.choices(("upheld", "part_upheld", "not_upheld"), (3, 2, 5))[0]
    if roll < 0.25:  # still at tier 0, or resolved there
        driver.log(iid, "dissatisfaction")
        yield
        if roll < 0.12:
            return
        steps = driver.dissatisfaction(iid)
        for _ in range(rnd.randrange(1, 4)):
            next(steps, None)
            yield
        return
    driver.log(iid, "dissatisfaction" if roll < 0.55 else "complaint")
    yield
    if roll < 0.55:
        yield from driver.dissatisfaction(iid)
    if roll < 0.65:  # waiting at resolution: some of these go overdue
        return
    steps = driver.resolution(iid, outcome, dissatisfied=roll > 0.85)
    for _ in steps:
        yield
    if roll > 0.85:
        driver.ask_for_review(iid)
        yield from driver.review(iid, rnd.choice(("not_upheld", "justified", "part_upheld")))


def _start(engine: Engine, process_id: str, key: str, when: datetime, rnd: random.Random,
           **extra: Any) -> int:
    data = {"received_date": when.date().isoformat(), "division": rnd.choice(DIVISIONS),
            "client": _client(rnd), "complaint_details": "Synthetic demo complaint.", **extra}
    return engine.start(process_id, business_key=key, data=data, user="demo-postroom").id


class _Timeline:
    """Events in time order on a clock that only moves forward; due timers fire as it moves."""

    def __init__(self, engine: Engine, clock: SimulatedClock, rnd: random.Random,
                 report: DemoReport) -> None:
        self.engine, self.clock, self.rnd, self.report = engine, clock, rnd, report
        self.driver = _Driver(engine, rnd, report)
        self.queue: list[_Event] = []
        self.seq = 0

    def schedule(self, at: datetime, run: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.queue, _Event(at, self.seq, run))

    def arrival(self, n: int, at: datetime) -> None:
        department, process, prefix = _department(self.rnd)
        iid = _start(self.engine, process, f"{prefix}-{at:%y}{n:04d}", at, self.rnd)
        self.report.started += 1
        self.report.by_department[department] = self.report.by_department.get(department, 0) + 1
        if department == "CMS":
            steps = _story(self.driver, iid, self.rnd)
            self.schedule(at + timedelta(hours=2), lambda: self.follow(steps))
            if self.rnd.random() < 0.02:
                self.schedule(at + timedelta(days=1), lambda: self.cancel(iid))

    def follow(self, steps: Iterator[None]) -> None:
        try:
            next(steps)
        except StopIteration:
            return
        except RedressError as exc:  # the story stops here; the case stays where it is
            self.report.failed += 1
            self.report.problems.append(f"{exc} {getattr(exc, 'errors', '')}"[:300])
            return
        later = self.clock.now() + timedelta(days=self.rnd.choice(STEP_DAYS))
        self.schedule(later, lambda: self.follow(steps))

    def cancel(self, iid: int) -> None:
        try:
            self.engine.cancel(iid, user="demo-operations", reason="Duplicate of another case")
            self.report.cancelled += 1
        except RedressError:
            pass

    def run_until(self, end: datetime, progress: Callable[[str], None] | None) -> None:
        done = 0
        while self.queue:
            event = heapq.heappop(self.queue)
            if event.at > end:
                continue
            if event.at > self.clock.now():
                self.clock.set(event.at)
                self.engine.fire_due_timers()
            event.run()
            done += 1
            if progress is not None and done % 200 == 0:
                progress(f"  {self.report.started} complaints, {self.report.steps} steps, "
                         f"{self.clock.now():%d %b %Y}")
        self.clock.set(end)
        self.engine.fire_due_timers()


def generate(engine: Engine, *, count: int = 150, days: int = 91, seed: int = 2026,
             progress: Callable[[str], None] | None = None) -> DemoReport:
    """Drive ``count`` complaints (mostly CMS, some CSA and HMRC) over the last ``days``.

    The engine must run on a :class:`SimulatedClock`; it ends at the real time now.
    """
    clock = engine.clock
    if not isinstance(clock, SimulatedClock):
        raise RedressError("demo data needs an engine on a simulated clock")
    rnd = random.Random(seed)
    report = DemoReport()
    end = datetime.now(UTC).replace(microsecond=0)
    begin = end - timedelta(days=days)
    clock.set(begin)
    timeline = _Timeline(engine, clock, rnd, report)
    for n in range(count):
        at = begin + timedelta(days=days * n / count, hours=rnd.randrange(8, 17))
        timeline.schedule(at, partial(timeline.arrival, n + 1, at))
    timeline.run_until(end, progress)
    report.incidents += _incident(engine, timeline.driver, rnd, end)
    return report


def _department(rnd: random.Random) -> tuple[str, str, str]:
    roll = rnd.random()
    if roll < 0.08:
        return "CSA", "csa_complaint", "CSA"
    if roll < 0.16:
        return "HMRC", "hmrc_complaint", "HMRC"
    return "CMS", "complaint_journey", "CMS"


def _incident(engine: Engine, driver: _Driver, rnd: random.Random, when: datetime) -> int:
    """One case logged with a division nobody recognises: its deadline step fails."""
    iid = _start(engine, "complaint_journey", f"CMS-{when:%y}9999", when, rnd,
                 division="Atlantis")
    driver.log(iid, "complaint")
    return len(engine.incidents(instance_id=iid))
