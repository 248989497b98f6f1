"""The browser session: Flask's signed cookie, opened without cost when no cookie is sent.

Flask builds an itsdangerous signer for every request before it looks for the cookie, so an
API call with a bearer token (no cookie, most of the API's traffic) paid for a signer it never
used. The session itself is unchanged: the same cookie, signer, lifetime and fallbacks.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

__all__ = ["CookieSessions"]


class CookieSessions(SecureCookieSessionInterface):
    """Flask's cookie session; a request without the cookie gets an empty one straight away."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
