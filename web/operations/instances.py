"""The instances list: search and filters, counts, keyset pages and a CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, render_template, request, stream_with_context

from engine import InstanceRecord
from engine.calendar import DIVISIONS
from engine.instance_search import STATUSES, iter_instances, search_instances
from web.access import requires
from web.context import catalogue, engine
from web.operations import bp
from web.operations.filters import filter_from, filter_query, select_items
from workflows.roles import Permission
from workflows.services import TIERS, describe_many

PAGE = 50
CSV_COLUMNS = ("id", "business_key", "process_id", "version", "status", "tier", "stage",
               "owner_role", "response_due", "overdue", "division", "started_at", "ended_at")


@bp.get("/operations")
@requires(Permission.VIEW_INCIDENTS)
def instances() -> str:
    """Search every case by process, version, status, tier, division, deadline, key or name."""
    found = filter_from(request.args)
    before = request.args.get("before", "")
    page = search_instances(engine(), found, before=int(before) if before.isdigit() else None,
                            limit=PAGE)
    definitions = catalogue().definitions(limit=1000)
    return render_template(
        "operations/instances.html", f=found, page=page, views=describe_many(engine(),
                                                                            page.records),
        statuses=STATUSES, tiers=TIERS, divisions=DIVISIONS,
        processes=sorted({d.process_id for d in definitions}),
        versions=sorted({d.version for d in definitions}),
        query=filter_query(found), next_query=filter_query(found, before=page.next_before),
        incidents=engine().incidents(), select_items=select_items)


@bp.get("/operations/instances.csv")
@requires(Permission.VIEW_INCIDENTS)
def instances_csv() -> Response:
    """Download every case matching the filter as CSV."""
    found = filter_from(request.args)
    eng = engine()

    def rows() -> Iterator[str]:
        yield ",".join(CSV_COLUMNS) + "\r\n"
        batch: list[InstanceRecord] = []
        for record in iter_instances(eng, found):
            batch.append(record)
            if len(batch) == 500:
                yield _lines(batch)
                batch = []
        yield _lines(batch)

    def _lines(batch: list[InstanceRecord]) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        for v in describe_many(eng, batch):
            r = v.record
            writer.writerow([r.id, _safe(r.business_key), r.process_id, r.version, r.status,
                             v.tier or "", _safe(v.stage or ""), v.owner_role or "",
                             v.deadline or "", "yes" if v.overdue else "",
                             _safe(str(r.summary.get("division") or "")),
                             r.started_at.isoformat(),
                             r.ended_at.isoformat() if r.ended_at else ""])
        return out.getvalue()

    headers = {"Content-Disposition": 'attachment; filename="instances.csv"'}
    return Response(stream_with_context(rows()), mimetype="text/csv", headers=headers)


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
