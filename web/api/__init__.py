"""The JSON API under /api/v1: one blueprint per area, all declared through ``operation``."""

from __future__ import annotations

from flask import Flask

from web.api import (
    clock,
    deployments,
    docs,
    figures,
    incidents,
    instances,
    letters,
    messages,
    tasks,
    tokens,
)

__all__ = ["register_api"]


def register_api(app: Flask, *, test_mode: bool) -> None:
    for module in (deployments, instances, tasks, messages, letters, incidents, figures, tokens,
                   docs):
        app.register_blueprint(module.bp)
    app.register_blueprint(docs.pages)
    if test_mode:
        app.register_blueprint(clock.bp)
