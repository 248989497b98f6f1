"""Security headers on every response, with flask-talisman (wntrblm/flask-talisman).

* CSP: scripts only from this site, plus a per-request nonce for the one inline script of the
  GOV.UK template (``csp_nonce()`` is the template global talisman provides; ``base.html``
  passes it to the template as ``cspNonce``). Styles allow ``'unsafe-inline'`` because
  bpmn-js and diagram-js set element styles from script; images allow ``data:`` (bpmn-js
  icons) and fonts ``data:`` (the bpmn-js icon fonts the build inlines). Nothing may frame
  the pages (``frame-ancestors 'none'``), forms post only here.
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy:
  strict-origin-when-cross-origin``, a ``Permissions-Policy`` that turns off what Redress
  never uses.
* HTTPS: in production plain-HTTP requests are redirected to HTTPS (a proxy that ends TLS
  says so with ``X-Forwarded-Proto: https``), the session cookie is ``Secure``, and HSTS (one
  year) is sent on every HTTPS response. ``REDRESS_FORCE_HTTPS=0`` turns the redirect off for
  a deployment that is private by other means.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_talisman import Talisman

__all__ = ["CSP", "install_security_headers"]

CSP: dict[str, str | list[str]] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],  # the modeller's icon fonts are bundled as data: URIs
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
_PERMISSIONS = {"camera": "()", "microphone": "()", "geolocation": "()", "payment": "()",
                "usb": "()", "interest-cohort": "()"}


def install_security_headers(app: Flask, *, production: bool) -> Talisman:
    """Wrap ``app`` with talisman; HTTPS is enforced in production only."""
    force = production and os.environ.get("REDRESS_FORCE_HTTPS", "1").strip() != "0"
    return Talisman(
        app,
        force_https=force,
        session_cookie_secure=production,
        strict_transport_security=True,  # talisman sends it on HTTPS responses only
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=_PERMISSIONS,
        x_content_type_options=True,
    )
