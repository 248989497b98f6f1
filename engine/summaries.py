"""Narrow reads of instance summaries, for figures over every instance.

A dashboard over 100,000 instances cannot afford an :class:`~engine.records.InstanceRecord`
per instance (the whole summary decoded, timestamps converted, a dataclass built), nor even a
row each. These reads never touch the workflow state:

* :func:`unfinished_groups`: the instances that have not ended, counted by the database per
  status and per distinct JSON text of a few summary values, each group with its members' ids
  and business keys as one JSON text, for the caller to decode only where it needs them;
* :func:`ended_summaries`: the ended instances (far fewer, and needing more), one row each with
  their times and whole summary;
* :func:`start_times`: when some instances started.

A value's JSON text is what the summary holds, unchanged: ``json.loads`` of it gives exactly
``summary.get(key)`` (``None`` stands for an absent key). Both databases' ``->`` operator gives
that text; SQLAlchemy's JSON index would not (on SQLite it is ``JSON_QUOTE(JSON_EXTRACT(…))``,
which rounds floats to 15 digits and turns ``true`` into 1). SQLite before 3.38 has no ``->``:
there the text is rebuilt from ``JSON_EXTRACT`` and ``JSON_TYPE``, exact but for a real number,
which comes back to 15 significant digits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import String, Text, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.sql.elements import ColumnElement

from engine.clock import as_utc
from engine.db import is_postgres, reader
from engine.tables import process_instances

__all__ = [
    "EndedSummary",
    "Exclude",
    "SummaryGroup",
    "ended_summaries",
    "snapshot",
    "start_times",
    "unfinished_groups",
]

_pi = process_instances
_CHUNK = 500  # ids per IN list: well under SQLite's bound-parameter limit
_SQLITE_ARROW = sqlite3.sqlite_version_info >= (3, 38)  # SQLite's -> operator

Exclude = Mapping[str, Collection[str]]
"""Leave out instances whose summary holds, at a key, one of these strings."""


class SummaryGroup(NamedTuple):
    status: str
    values: tuple[str | None, ...]  # the JSON text of each key asked for; None when absent
    size: int  # how many instances
    first_id: int
    members_json: str  # [[id, business_key], ...] in no particular order

    def members(self) -> list[tuple[int, str]]:
        """Each instance of the group as (id, business key), in id order."""
        return sorted((int(i), str(key)) for i, key in json.loads(self.members_json))


class EndedSummary(NamedTuple):
    id: int
    business_key: str
    status: str
    started_at: datetime  # UTC
    ended_at: datetime  # UTC
    summary: dict[str, Any]


@contextmanager
def snapshot(db: SqlEngine) -> Iterator[Connection]:
    """A read-only connection whose statements all see the same committed state.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: a DEFERRED transaction, which
    in WAL mode reads one snapshot from its first read on and never takes the write lock.
    """
    if is_postgres(db):
        conn = db.connect().execution_options(isolation_level="REPEATABLE READ",
                                              postgresql_readonly=True)
    else:
        conn = reader(db).connect()
    with conn, conn.begin():
        yield conn


def _text(conn: Connection, key: str) -> ColumnElement[str]:
    """The JSON text of ``summary[key]``, unchanged; NULL when the key is absent."""
    if conn.dialect.name == "sqlite" and not _SQLITE_ARROW:
        path = literal(f'$."{key}"', String)
        kind = func.json_type(_pi.c.summary, path)
        return cast(case((kind.is_(None), None), (kind == "true", "true"),
                         (kind == "false", "false"),  # JSON_EXTRACT gives 1 and 0 for these
                         else_=func.json_quote(func.json_extract(_pi.c.summary, path))), Text)
    return cast(_pi.c.summary.op("->")(literal(key, String)), Text)


def unfinished_groups(
    conn: Connection, keys: Sequence[str], *, exclude: Exclude | None = None
) -> list[SummaryGroup]:
    """The instances without an end time, grouped by status and ``keys``' JSON texts.

    Args:
        keys: the summary values to group by.
        exclude: instances to leave out, by summary value.
    """
    texts = [_text(conn, k) for k in keys]  # the same objects in GROUP BY: the same parameters
    query = (select(_pi.c.status, *texts, func.count(), func.min(_pi.c.id), _members(conn))
             .where(_pi.c.ended_at.is_(None), *_kept(conn, exclude))
             .group_by(_pi.c.status, *texts))
    return [SummaryGroup(r[0], tuple(r[1:-3]), r[-3], r[-2], r[-1])
            for r in conn.execute(query)]


def ended_summaries(conn: Connection, *, exclude: Exclude | None = None) -> list[EndedSummary]:
    """Every instance with an end time, in id order.

    Sorted here rather than by ``ORDER BY id``, which PostgreSQL answers by walking the
    primary key index across the whole table.
    """
    query = (select(_pi.c.id, _pi.c.business_key, _pi.c.status, _pi.c.started_at,
                    _pi.c.ended_at, _pi.c.summary)
             .where(_pi.c.ended_at.is_not(None), *_kept(conn, exclude)))
    rows = [EndedSummary(r[0], r[1], r[2], _utc(r[3]), _utc(r[4]), dict(r[5] or {}))
            for r in conn.execute(query).all()]
    rows.sort(key=itemgetter(0))
    return rows


def start_times(conn: Connection, ids: Collection[int]) -> dict[int, datetime]:
    """When each of ``ids`` started (UTC); unknown ids are left out."""
    wanted = sorted(set(ids))
    found: dict[int, datetime] = {}
    for i in range(0, len(wanted), _CHUNK):
        query = select(_pi.c.id, _pi.c.started_at).where(_pi.c.id.in_(wanted[i : i + _CHUNK]))
        found.update((row.id, _utc(row.started_at)) for row in conn.execute(query))
    return found


def _members(conn: Connection) -> ColumnElement[str]:
    if conn.dialect.name == "postgresql":
        pairs = func.json_agg(func.json_build_array(_pi.c.id, _pi.c.business_key))
    else:
        pairs = func.json_group_array(func.json_array(_pi.c.id, _pi.c.business_key))
    return cast(pairs, Text)


def _kept(conn: Connection, exclude: Exclude | None) -> list[ColumnElement[bool]]:
    return [not_(_holds(conn, key, values)) for key, values in (exclude or {}).items()]


def _holds(conn: Connection, key: str, values: Collection[str]) -> ColumnElement[bool]:
    """``summary[key]`` is a string in ``values``.

    Decoding JSON is most of the cost of a pass over every summary, so it is done only for the
    summaries whose text could hold one of the strings: one containing it, or a backslash (an
    escape such as ``\\u0041`` can spell any character).
    """
    text = cast(_pi.c.summary, Text)
    could = or_(text.contains("\\", autoescape=True),
                *(text.contains(v, autoescape=True) for v in values))
    value = _text(conn, key)
    is_string = and_(value.is_not(None), value.startswith('"', autoescape=True))  # never NULL
    return and_(could, is_string, _pi.c.summary[key].as_string().in_(list(values)))


def _utc(value: Any) -> datetime:
    when = as_utc(value)
    assert when is not None
    return when
