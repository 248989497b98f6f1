"""The Flask app factory: the JSON API, the browser pages and one access layer over both.

``create_app(engine=..., test_mode=...)``. Test mode (the clock endpoint) is off unless asked
for, needs a simulated clock, and is refused outright by the production configuration
(``REDRESS_ENV=production``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, send_from_directory
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import DBAPIError
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import Engine, SimulatedClock
from web.access import PUBLIC, csrf_token, current_user, install_access, requires
from web.api import register_api
from web.api.openapi import IdConverter
from web.caseworker import bp as caseworker
from web.context import Redress
from web.headers import install_security_headers
from web.letters import bp as letters
from web.logs import configure_json_logging
from web.modeller import bp as modeller
from web.operations import bp as operations
from web.operations.running import install_metrics
from web.pages import bp as pages
from web.problems import register_problem_handlers
from web.sessions import CookieSessions
from workflows.bootstrap import INSTANCE_DIR, build_engine
from workflows.catalogue import Catalogue
from workflows.idempotency import IdempotencyStore
from workflows.roles import ROLE_IDS, Permission, allowed, role
from workflows.services import parse_due
from workflows.users import Users

__all__ = ["create_app"]

LONDON = ZoneInfo("Europe/London")
BUILD_DIR = Path(__file__).parent / "static" / "build"


def _use_govuk_frontend(app: Flask) -> None:
    """Templates may import GOV.UK Frontend's macros; its fonts and images are served at /assets.

    The macros come from ``govuk-frontend-jinja`` (matched to the npm ``govuk-frontend`` that
    ``web/frontend`` builds); the stylesheet refers to ``/assets/...`` as it ships.
    """
    own = app.jinja_loader
    assert own is not None
    app.jinja_loader = ChoiceLoader([
        own,
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])

    @app.get("/assets/<path:filename>")
    @requires(PUBLIC)
    def govuk_assets(filename: str) -> Response:
        return send_from_directory(BUILD_DIR / "assets", filename, max_age=86400)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _secret_key(production: bool) -> str:
    """REDRESS_SECRET_KEY, else (not in production) a key kept in the instance folder."""
    key = os.environ.get("REDRESS_SECRET_KEY", "")
    if key:
        return key
    if production:
        raise RuntimeError("REDRESS_SECRET_KEY must be set in production")
    path = Path(INSTANCE_DIR) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _check_test_mode(test_mode: bool, engine: Engine, production: bool) -> None:
    if not test_mode:
        return
    if production:
        raise RuntimeError("test mode is refused in production (REDRESS_ENV=production)")
    if not isinstance(engine.clock, SimulatedClock):
        raise RuntimeError("test mode needs an engine on a SimulatedClock")


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (REDRESS_PROXY_COUNT=N), read the client address and scheme
    from their X-Forwarded-For/-Proto: sign-in throttling and HTTPS checks need the real ones."""
    hops = int(os.environ.get("REDRESS_PROXY_COUNT", "0") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)


def _refuse_demo_accounts(users: Users) -> None:
    """Production never runs with accounts whose passwords are published."""
    try:
        names = users.demo_accounts()
    except DBAPIError:  # no schema yet: `redress init-db` first; requests would fail anyway
        return
    if names:
        raise RuntimeError(
            f"this database holds {len(names)} demo account(s) with published passwords "
            f"({', '.join(names[:3])}{', …' if len(names) > 3 else ''}); production refuses "
            "to start: run `redress users disable-demo`")


def _day(value: datetime | str | None) -> str:
    """A deadline as the UK date it falls on ("4 December 2026"), whatever form it came in."""
    if value in (None, ""):
        return "—"
    when = parse_due(value)
    if isinstance(when, datetime):
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(LONDON).date()
    return f"{when.day} {when:%B %Y}" if when is not None else str(value)


def _uk_datetime(value: datetime | None) -> str:
    """A moment in UK local time, GOV.UK style: "4 December 2026 at 3:55pm"."""
    if value is None:
        return "—"
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def create_app(engine: Engine | None = None, *, test_mode: bool | None = None,
               config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app on ``engine`` (default: ``build_engine()``, simulated in test mode)."""
    production = os.environ.get("REDRESS_ENV", "").strip().lower() == "production"
    test_mode = _env_flag("REDRESS_TEST_MODE") if test_mode is None else test_mode
    if engine is None:
        engine = build_engine(clock=SimulatedClock() if test_mode and not production else None)
    _check_test_mode(test_mode, engine, production)

    app = Flask(__name__)
    app.session_interface = CookieSessions()
    app.url_map.converters["id"] = IdConverter
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=production,
                      MAX_CONTENT_LENGTH=16 * 1024 * 1024, JSON_SORT_KEYS=False)
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(production)
    accounts = Users(engine)
    if production:
        _refuse_demo_accounts(accounts)
    app.extensions["redress"] = Redress(engine, accounts, IdempotencyStore(engine),
                                        Catalogue(engine), test_mode)

    _use_govuk_frontend(app)
    register_api(app, test_mode=test_mode)
    app.register_blueprint(pages)
    app.register_blueprint(caseworker)
    app.register_blueprint(modeller)
    app.register_blueprint(operations)
    app.register_blueprint(letters)
    install_metrics(app, engine)
    if not app.config.get("TESTING") and os.environ.get("REDRESS_LOG_FORMAT", "json") == "json":
        configure_json_logging()
    register_problem_handlers(app)
    _trust_proxies(app)
    install_security_headers(app, production=production)  # before access: HTTPS first
    install_access(app)

    app.add_template_filter(_day, "day")
    app.add_template_filter(_uk_datetime, "uk_datetime")

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        me = current_user()

        def can(permission: str) -> bool:
            return me is not None and allowed(me.roles, Permission(permission))

        def role_name(role_id: str | None) -> str:
            return role(role_id).name if role_id in ROLE_IDS else (role_id or "—")

        def now() -> datetime:
            return engine.clock.now()

        return {"me": me, "can": can, "csrf": csrf_token, "role_name": role_name, "now": now,
                "test_mode": test_mode}

    return app
