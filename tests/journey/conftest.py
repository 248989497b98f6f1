"""Journey fixtures: Redress's engine on a simulated clock with the packages deployed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from engine import Engine, SimulatedClock
from tests.journey.driver import Case, start
from workflows.bootstrap import build_engine
from workflows.packages import COMPLAINTS_PACKAGE, CSA_PACKAGE, HMRC_PACKAGE, package_files

StartCase = Callable[..., Case]


@pytest.fixture
def clock(start_time: datetime) -> SimulatedClock:
    return SimulatedClock(start_time)  # Friday 27 March 2026, 09:00 UTC


@pytest.fixture
def engine(database_url: str, clock: SimulatedClock) -> Iterator[Engine]:
    eng = build_engine(database_url, clock=clock)
    eng.init_db()
    for package in (COMPLAINTS_PACKAGE, CSA_PACKAGE, HMRC_PACKAGE):
        eng.deploy(package_files(package), name=package.name, user="analyst")
    yield eng
    eng.close()


@pytest.fixture
def start_case(engine: Engine, clock: SimulatedClock) -> StartCase:
    """Start a complaint journey: ``start_case("CMS-0001", division=..., ...)``."""
    def _start(key: str = "CMS-0001", **data: object) -> Case:
        return start(engine, clock, key, **data)
    return _start
