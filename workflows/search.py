"""Find a case by complaint reference, client reference or client name.

Complaint references are the engine's business keys. Client names and references live in the
case data, which lists cannot read without loading workflow state, so the new-complaint page
writes them to a small index (``case_parties``) when it logs the case; a name search is a
case-insensitive "contains" over that index. Cases started by other systems through the API are
not in that index: they are found by their client's name through the instance summary
(``client.name`` is a summary key), the same search operations use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select

from engine import Engine, InstanceRecord
from engine.instance_search import InstanceFilter, search_instances
from workflows.casework_tables import case_parties

__all__ = ["Hit", "index_parties", "search"]

LIMIT = 50


@dataclass(frozen=True)
class Hit:
    record: InstanceRecord
    client_name: str
    client_reference: str


def index_parties(engine: Engine, instance_id: int, business_key: str,
                  client: Mapping[str, Any]) -> None:
    """(Re)index the client of one case for search."""
    name = str(client.get("name") or "").strip()[:200]
    reference = str(client.get("reference") or "").strip()[:100] or None
    with engine.db.begin() as conn:
        conn.execute(delete(case_parties).where(case_parties.c.instance_id == instance_id))
        conn.execute(insert(case_parties).values(
            instance_id=instance_id, business_key=business_key, client_name=name,
            client_name_folded=name.casefold(), client_reference=reference))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(engine: Engine, text: str) -> list[Hit]:
    """Cases whose reference or client reference is ``text``, or whose client name contains it."""
    text = " ".join(text.split())[:200]
    if len(text) < 2:
        return []
    p = case_parties.c
    query = select(p.instance_id, p.client_name, p.client_reference).where(or_(
        p.business_key == text, p.client_reference == text,
        p.client_name_folded.like(f"%{_escape(text.casefold())}%", escape="\\"),
    )).order_by(p.instance_id.desc()).limit(LIMIT)
    with engine.reads.connect() as conn:
        indexed = {r.instance_id: r for r in conn.execute(query)}
    hits = [Hit(engine.instance(i, with_data=False), r.client_name, r.client_reference or "")
            for i, r in indexed.items()]
    seen = set(indexed)
    for record in engine.instances(business_key=text, limit=LIMIT):
        if record.id not in seen:
            seen.add(record.id)
            hits.append(Hit(record, "", ""))
    by_name = search_instances(engine, InstanceFilter(client_name=text), limit=LIMIT,
                               with_counts=False)
    for record in by_name.records:
        if record.id not in seen:
            seen.add(record.id)
            hits.append(Hit(record, str(record.summary.get("client.name") or ""), ""))
    return hits
