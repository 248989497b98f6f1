"""Working days per UK division (DOMAIN.md "Working day"; R21 and R31 deadlines)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.calendar import (
    DIVISIONS,
    Division,
    add_working_days,
    is_working_day,
    parse_division,
    working_days_between,
)

EW: Division = "england-and-wales"
SCOT: Division = "scotland"
NI: Division = "northern-ireland"


def test_r21_fifteen_working_days_from_friday_before_easter_england_and_wales() -> None:
    # Day 1 is Mon 30 Mar; Good Friday 3 Apr and Easter Monday 6 Apr are skipped.
    assert add_working_days(date(2026, 3, 27), 15, EW) == date(2026, 4, 21)


def test_r21_fifteen_working_days_from_friday_before_easter_scotland() -> None:
    # Scotland keeps Good Friday but not Easter Monday, so the deadline is a day earlier.
    assert not is_working_day(date(2026, 4, 3), SCOT)
    assert is_working_day(date(2026, 4, 6), SCOT)
    assert add_working_days(date(2026, 3, 27), 15, SCOT) == date(2026, 4, 20)


def test_r21_fifteen_working_days_across_christmas_northern_ireland() -> None:
    # Received Mon 15 Dec 2025. Days 1-7: 16, 17, 18, 19, 22, 23, 24 Dec; 25 and 26 Dec are
    # holidays; days 8-10: 29, 30, 31 Dec; 1 Jan is a holiday but 2 Jan is not in NI, so day 11
    # is Fri 2 Jan; days 12-15: Mon 5 to Thu 8 Jan 2026.
    assert add_working_days(date(2025, 12, 15), 15, NI) == date(2026, 1, 8)


def test_scotland_keeps_second_january_so_its_christmas_deadline_is_a_day_later() -> None:
    assert not is_working_day(date(2026, 1, 2), SCOT)
    assert is_working_day(date(2026, 1, 2), EW) and is_working_day(date(2026, 1, 2), NI)
    assert add_working_days(date(2025, 12, 15), 15, SCOT) == date(2026, 1, 9)


def test_northern_ireland_keeps_st_patricks_day() -> None:
    assert not is_working_day(date(2026, 3, 17), NI)  # a Tuesday
    assert is_working_day(date(2026, 3, 17), EW) and is_working_day(date(2026, 3, 17), SCOT)
    assert add_working_days(date(2026, 3, 16), 1, NI) == date(2026, 3, 18)


def test_northern_ireland_battle_of_the_boyne_and_its_weekday_substitute() -> None:
    # 12 July 2026 is a Sunday: the holiday moves to Monday 13 July.
    assert not is_working_day(date(2026, 7, 13), NI)
    assert is_working_day(date(2026, 7, 13), EW)
    assert add_working_days(date(2026, 7, 10), 1, NI) == date(2026, 7, 14)
    # 12 July 2027 is a Monday and is itself the holiday.
    assert not is_working_day(date(2027, 7, 12), NI)


def test_one_off_bank_holidays_from_the_holidays_package_count() -> None:
    assert not is_working_day(date(2022, 9, 19), EW)  # State Funeral of Queen Elizabeth II
    assert not is_working_day(date(2023, 5, 8), EW)  # Coronation of King Charles III


@pytest.mark.parametrize("day, division, working", [
    (date(2026, 3, 27), EW, True),  # Friday
    (date(2026, 3, 28), EW, False),  # Saturday
    (date(2026, 3, 29), NI, False),  # Sunday
    (date(2026, 4, 3), EW, False),  # Good Friday
    (date(2026, 4, 3), SCOT, False),
    (date(2026, 4, 3), NI, False),
    (date(2026, 4, 6), EW, False),  # Easter Monday
    (date(2026, 4, 6), SCOT, True),
    (date(2026, 4, 6), NI, False),
    (date(2026, 8, 3), SCOT, False),  # Scotland's summer bank holiday is the first Monday
    (date(2026, 8, 3), EW, True),
    (date(2026, 8, 31), EW, False),  # England's is the last Monday
    (date(2026, 8, 31), SCOT, True),
    (date(2026, 11, 30), SCOT, False),  # St Andrew's Day
    (date(2026, 11, 30), EW, True),
    (date(2026, 12, 25), SCOT, False),
    (date(2026, 12, 28), EW, False),  # Boxing Day falls on a Saturday: substitute Monday
    (date(2026, 12, 29), EW, True),
])
def test_is_working_day_table(day: date, division: Division, working: bool) -> None:
    assert is_working_day(day, division) is working


def test_zero_working_days_is_the_start_date_even_at_a_weekend() -> None:
    assert add_working_days(date(2026, 3, 28), 0, EW) == date(2026, 3, 28)


def test_receipt_at_a_weekend_counts_from_the_next_working_day() -> None:
    assert add_working_days(date(2026, 3, 28), 1, EW) == date(2026, 3, 30)


def test_negative_working_days_count_backwards() -> None:
    assert add_working_days(date(2026, 4, 7), -1, EW) == date(2026, 4, 2)
    assert add_working_days(date(2026, 4, 21), -15, EW) == date(2026, 3, 27)


def test_working_days_between_inverts_add_working_days() -> None:
    assert working_days_between(date(2026, 3, 27), date(2026, 4, 21), EW) == 15
    assert working_days_between(date(2026, 3, 27), date(2026, 4, 21), SCOT) == 16
    assert working_days_between(date(2026, 3, 27), date(2026, 3, 27), EW) == 0
    assert working_days_between(date(2026, 3, 27), date(2026, 3, 29), EW) == 0
    assert working_days_between(date(2026, 4, 21), date(2026, 3, 27), EW) == -15


@pytest.mark.parametrize("value, division", [
    ("england-and-wales", EW), ("England", EW), ("WALES", EW), ("ew", EW),
    ("England and Wales", EW), ("england_and_wales", EW), ("scotland", SCOT), ("SCT", SCOT),
    ("Northern Ireland", NI), ("ni", NI), ("NIR", NI),
])
def test_parse_division_accepts_names_and_abbreviations(value: str, division: Division) -> None:
    assert parse_division(value) == division


def test_parse_division_lists_the_allowed_values() -> None:
    with pytest.raises(ValueError, match=r"unknown UK division 'France'.*northern-ireland"):
        parse_division("France")
    with pytest.raises(ValueError, match="unknown UK division"):
        is_working_day(date(2026, 1, 5), "ireland")  # type: ignore[arg-type]


def test_a_datetime_is_refused_because_it_would_miss_every_holiday() -> None:
    with pytest.raises(TypeError, match="not a datetime"):
        is_working_day(datetime(2026, 4, 3, 9, 0), EW)


def test_every_division_has_the_common_christmas_holidays() -> None:
    for division in DIVISIONS:
        assert not is_working_day(date(2025, 12, 25), division)
        assert not is_working_day(date(2025, 12, 26), division)
