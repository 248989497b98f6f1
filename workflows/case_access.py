"""Who may open which case, and how much of it they see: decided per case, not per route.

Two rules, in one place for the API and the pages:

* **Departments.** A case belongs to the department whose processes it runs (CMS complaint
  journeys, HMRC, the legacy CSA scheme). A lane role opens only its own department's cases:
  an HMRC complaints handler does not read a CMS case, nor a CMS caseworker an HMRC one.
  Operations, administrators and integration accounts work across departments. A process no
  department declares (an analyst's new diagram, a test diagram) is open to every lane role
  until it is declared here.
* **Staff complaints (R06).** The identifying data of a complaint about a member of staff
  (``staff_*``, ``line_manager*``) and the free text that may name them are shown only to the
  team leader role, who owns such a case. Everyone else who may open the case (other lanes of
  the department, operations, integration accounts) sees that the case exists and where it
  is, with those values replaced by :data:`REDACTED`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any

from workflows.roles import LANE_ROLES

__all__ = [
    "DEPARTMENTS",
    "LED_LANES",
    "REDACTED",
    "TASK_ACCESS",
    "Department",
    "can_open_case",
    "department_of",
    "identifying",
    "is_staff_complaint",
    "may_release_others",
    "may_work_lane",
    "redact_case_data",
    "redact_detail",
    "refusal",
    "sees_staff_identity",
]

REDACTED = "[confidential: team leader only]"
_CROSS_DEPARTMENT = frozenset({"operations", "admin", "integration"})
_STAFF_OWNER = "team_leader"
_STAFF_KEYS = ("staff_", "line_manager")
_FLAGS = frozenset({"staff_complaint", "staff_data_removed", "staff_data_removed_at"})
# Keys that may name the member of staff: identities, and free text written about the case.
_IDENTIFYING = ("staff_*", "line_manager*", "complaint_details", "issues", "findings", "reasons",
                "referral_summary", "chronology", "outcome_explanation", "*notes*",
                "*details*", "summary_of_*")


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    lanes: frozenset[str]
    process_prefixes: tuple[str, ...]


DEPARTMENTS: tuple[Department, ...] = (
    Department("cms", "Child Maintenance Service", frozenset({
        "caseworker", "team_leader", "bau_g7", "resolution_case_manager", "review_case_manager",
        "ice_liaison", "phso_team", "special_payment_team", "legal_team", "disputes_team"}),
        ("complaint_",)),
    Department("hmrc", "HMRC", frozenset({"hmrc_complaints_handler", "ccast_adviser"}),
               ("hmrc_",)),
    Department("csa", "Child Support Agency (legacy)", frozenset({
        "csa_caseworker", "csa_complaints_resolution_team", "csa_client_services_director",
        "csa_chief_executive_office"}), ("csa_",)),
)


# The queues a team leader leads: their own team's. They may release someone else's claim
# there (cover for absence); legal, disputes, payments, ICE/PHSO and the grade above are not
# theirs, nor are other departments'.
LED_LANES: dict[str, frozenset[str]] = {
    "team_leader": frozenset({"caseworker", "team_leader", "resolution_case_manager",
                              "review_case_manager"}),
}


def may_work_lane(roles: Collection[str], lane: str | None) -> bool:
    """Whether ``roles`` may claim or complete a task in ``lane``; a task without a lane has no
    owner, so nobody may (an analyst must put it in a lane)."""
    return lane is not None and lane in roles


def may_release_others(roles: Collection[str], lane: str | None) -> bool:
    """Whether ``roles`` may release a task in ``lane`` that someone else has claimed."""
    return lane is not None and any(lane in LED_LANES.get(r, ()) for r in roles)


class _CaseworkTaskAccess:
    """The engine's own check of claims, completions and releases (``Engine.create(
    task_access=TASK_ACCESS)``), so a caller that bypasses the web layer meets the same rule."""

    def may_work(self, roles: Collection[str], lane: str | None) -> bool:
        return may_work_lane(roles, lane)

    def may_release_others(self, roles: Collection[str], lane: str | None) -> bool:
        return may_release_others(roles, lane)


TASK_ACCESS = _CaseworkTaskAccess()


def department_of(process_id: str) -> Department | None:
    """The department whose processes include ``process_id`` (None: not declared)."""
    for department in DEPARTMENTS:
        if process_id.startswith(department.process_prefixes):
            return department
    return None


def can_open_case(roles: Collection[str], process_id: str) -> bool:
    """Whether someone holding ``roles`` may open a case running ``process_id`` at all."""
    held = set(roles)
    if held & _CROSS_DEPARTMENT:
        return True
    lanes = held & LANE_ROLES
    department = department_of(process_id)
    return bool(lanes & department.lanes) if department is not None else bool(lanes)


def refusal(process_id: str) -> str:
    """Why a case cannot be opened, in words a person can act on."""
    department = department_of(process_id)
    owner = department.name if department is not None else "another department"
    return f"this case belongs to {owner}; none of your roles works its cases"


def is_staff_complaint(data: Mapping[str, Any], summary: Mapping[str, Any] | None = None) -> bool:
    """Flagged as one, or holding staff details already (start data may carry them before the
    intake sets the flag)."""
    if data.get("staff_complaint") is True or (summary or {}).get("staff_complaint") is True:
        return True
    return any(k not in _FLAGS and k.startswith(_STAFF_KEYS) and v not in (None, "", [], {})
               for k, v in data.items())


def sees_staff_identity(roles: Collection[str]) -> bool:
    """Only the team leader role sees who a staff complaint is about (R06)."""
    return _STAFF_OWNER in roles


def identifying(key: str) -> bool:
    return key not in _FLAGS and any(fnmatch(key, pattern) for pattern in _IDENTIFYING)


def redact_case_data(data: Mapping[str, Any], roles: Collection[str],
                     staff_complaint: bool | None = None) -> dict[str, Any]:
    """The case data as ``roles`` may see it: a staff complaint loses its identifying values."""
    flagged = is_staff_complaint(data) if staff_complaint is None else staff_complaint
    if not flagged or sees_staff_identity(roles):
        return dict(data)
    return {k: REDACTED if identifying(k) else v for k, v in data.items()}


def redact_detail(detail: Mapping[str, Any], roles: Collection[str],
                  staff_complaint: bool) -> dict[str, Any]:
    """An audit entry's detail as ``roles`` may see it (before/after of identifying keys go)."""
    if not staff_complaint or sees_staff_identity(roles):
        return dict(detail)
    redacted: dict[str, Any] = _redact_nested(dict(detail))
    return redacted


def _redact_nested(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: REDACTED if isinstance(k, str) and identifying(k) else _redact_nested(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_nested(v) for v in value]
    return value
