"""The instance filter from a query string (the search form, CSV links and batch forms)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from engine.instance_search import STATUSES, InstanceFilter
from web.problems import BadRequest

__all__ = ["FILTER_FIELDS", "filter_from", "filter_query", "select_items"]

FILTER_FIELDS = ("process_id", "version", "status", "tier", "division", "overdue",
                 "business_key", "client_name")


def _int(value: str, name: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or len(value.strip()) > 9:
        raise BadRequest(f"{name} must be a whole number", [f"{name}: {value[:20]!r}"])
    return int(value)


def filter_from(args: Mapping[str, str]) -> InstanceFilter:
    """Parse the filter fields; a bad value is a one-line 400, never a silent empty list."""
    status = args.get("status", "").strip()
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}", [f"status: {status!r}"])
    ids = tuple(i for i in (_int(v, "id") for v in args.get("ids", "").split(",") if v)
                if i is not None)
    return InstanceFilter(
        process_id=args.get("process_id", "").strip()[:200],
        version=_int(args.get("version", ""), "version"),
        status=status,
        tier=args.get("tier", "").strip()[:50],
        division=args.get("division", "").strip()[:50],
        overdue=args.get("overdue", "") in ("1", "on", "yes", "true"),
        business_key=args.get("business_key", "").strip()[:100],
        client_name=args.get("client_name", "").strip()[:100],
        ids=ids,
    )


def filter_query(f: InstanceFilter, **extra: object) -> str:
    """The filter as a query string, for links that keep it (pages, CSV, batches)."""
    pairs = {
        "process_id": f.process_id, "version": "" if f.version is None else str(f.version),
        "status": f.status, "tier": f.tier, "division": f.division,
        "overdue": "1" if f.overdue else "", "business_key": f.business_key,
        "client_name": f.client_name, "ids": ",".join(map(str, f.ids)),
        **{k: str(v) for k, v in extra.items() if v is not None},
    }
    return urlencode({k: v for k, v in pairs.items() if v})


def select_items(values: object, selected: object, any_text: str) -> list[dict[str, object]]:
    """Items for a ``govukSelect``: "any" first, then each value, the chosen one selected."""
    items: list[dict[str, object]] = [{"value": "", "text": any_text}]
    for value in values:  # type: ignore[attr-defined]
        text = str(value)
        items.append({"value": text, "text": text.replace("_", " ").capitalize(),
                      "selected": text == str(selected if selected is not None else "")})
    return items
