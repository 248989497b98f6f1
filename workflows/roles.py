"""Who may do what: the roles (BPMN lane names plus staff and system roles) and permissions.

Defined once here so the JSON API, the browser screens and the tests read the same table. A
user holds one or more roles; a permission is granted when any of them is in its set. Lane
roles are also what the engine checks a task's lane against when someone claims or completes it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "LANE_ROLES",
    "PERMISSIONS",
    "ROLES",
    "ROLE_IDS",
    "Permission",
    "Role",
    "allowed",
    "granted",
    "is_system_role",
    "lane_roles",
    "role",
    "start_page",
]


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    kind: str  # "lane" (a BPMN lane: works tasks), "staff" or "system"
    start: str  # the page a user with this role starts at


def _lane(role_id: str, name: str) -> Role:
    return Role(role_id, name, "lane", "/inbox")


ROLES: tuple[Role, ...] = (
    _lane("caseworker", "Caseworker"),
    _lane("team_leader", "Team leader"),
    _lane("bau_g7", "BAU G7"),
    _lane("resolution_case_manager", "Resolution case manager (CRT)"),
    _lane("review_case_manager", "Review case manager (CCRT)"),
    _lane("ice_liaison", "ICE liaison"),
    _lane("phso_team", "PHSO team"),
    _lane("special_payment_team", "Special Payment Team"),
    _lane("legal_team", "Legal team"),
    _lane("disputes_team", "Disputes / mandatory reconsideration team"),
    # The second-department and legacy packages (bpmn/hmrc, bpmn/csa) have lanes of their own.
    _lane("hmrc_complaints_handler", "HMRC complaints handler"),
    _lane("ccast_adviser", "HMRC central advice team (CCAST) adviser"),
    _lane("csa_caseworker", "CSA caseworker"),
    _lane("csa_complaints_resolution_team", "CSA Complaints Resolution Team"),
    _lane("csa_client_services_director", "CSA Client Services Director's office"),
    _lane("csa_chief_executive_office", "CSA Chief Executive's office"),
    Role("operations", "Operations", "staff", "/operations"),
    Role("analyst", "Business analyst", "staff", "/deployments"),
    Role("admin", "Administrator", "staff", "/operations"),
    # Other systems (post room, ICE, PHSO, HMCTS, reporting) hold this role on their accounts.
    Role("integration", "Integration (system account)", "system", "/api/docs"),
)
ROLE_IDS: tuple[str, ...] = tuple(r.id for r in ROLES)
LANE_ROLES: frozenset[str] = frozenset(r.id for r in ROLES if r.kind == "lane")
_BY_ID = {r.id: r for r in ROLES}


class Permission(StrEnum):
    AUTHENTICATED = "authenticated"  # any signed-in user or token
    VIEW_DEPLOYMENTS = "view_deployments"
    DEPLOY = "deploy"
    START_INSTANCE = "start_instance"
    VIEW_INSTANCES = "view_instances"
    MANAGE_INSTANCES = "manage_instances"  # suspend, resume, cancel, migrate
    VIEW_TASKS = "view_tasks"
    WORK_TASKS = "work_tasks"  # claim, release, complete (the engine also checks the lane)
    CORRELATE_MESSAGES = "correlate_messages"
    VIEW_LETTERS = "view_letters"
    VIEW_INCIDENTS = "view_incidents"
    RETRY_INCIDENTS = "retry_incidents"
    VIEW_FIGURES = "view_figures"
    MANAGE_USERS = "manage_users"
    SET_CLOCK = "set_clock"  # test mode only


_ALL = frozenset(ROLE_IDS)
_LANES_OPS = LANE_ROLES | {"operations", "admin"}

PERMISSIONS: dict[Permission, frozenset[str]] = {
    Permission.AUTHENTICATED: _ALL,
    Permission.VIEW_DEPLOYMENTS: frozenset({"analyst", "operations", "admin"}),
    Permission.DEPLOY: frozenset({"analyst"}),
    # Analysts model the journey; they do not need complainants' personal data.
    Permission.START_INSTANCE: _LANES_OPS | {"integration"},
    Permission.VIEW_INSTANCES: _LANES_OPS | {"integration"},
    Permission.MANAGE_INSTANCES: frozenset({"operations", "admin"}),
    Permission.VIEW_TASKS: _LANES_OPS,
    Permission.WORK_TASKS: LANE_ROLES,
    Permission.CORRELATE_MESSAGES: frozenset({"integration", "operations", "admin"}),
    Permission.VIEW_LETTERS: _LANES_OPS | {"integration"},
    Permission.VIEW_INCIDENTS: frozenset({"operations", "admin"}),
    Permission.RETRY_INCIDENTS: frozenset({"operations", "admin"}),
    Permission.VIEW_FIGURES: frozenset({"operations", "admin", "team_leader", "integration"}),
    Permission.MANAGE_USERS: frozenset({"admin"}),
    Permission.SET_CLOCK: frozenset({"operations", "admin", "integration"}),
}


def role(role_id: str) -> Role:
    """The role with this id; KeyError if there is none."""
    return _BY_ID[role_id]


def allowed(roles: Iterable[str], permission: Permission) -> bool:
    """Whether any of ``roles`` grants ``permission``."""
    return not PERMISSIONS[permission].isdisjoint(roles)


def granted(roles: Iterable[str]) -> list[Permission]:
    """Every permission ``roles`` grant, in declaration order."""
    held = set(roles)
    return [p for p in Permission if not PERMISSIONS[p].isdisjoint(held)]


def is_system_role(role_id: str) -> bool:
    """Whether ``role_id`` is held by other systems' accounts (never by a person)."""
    found = _BY_ID.get(role_id)
    return found is not None and found.kind == "system"


def lane_roles(roles: Collection[str]) -> list[str]:
    """The roles that are BPMN lanes (the task queues a user works), in table order."""
    return [r for r in ROLE_IDS if r in roles and r in LANE_ROLES]


def start_page(roles: Collection[str]) -> str:
    """Where a user with these roles starts: the first of their roles in table order decides."""
    for r in ROLES:
        if r.id in roles:
            return r.start
    return "/"

