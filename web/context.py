"""What a view needs from the app: the engine, the stores, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from engine import Engine
from web.access import current_user
from workflows.catalogue import Catalogue
from workflows.idempotency import IdempotencyStore
from workflows.users import User, Users

__all__ = ["Redress", "catalogue", "engine", "idempotency", "redress", "user", "users"]


@dataclass(frozen=True)
class Redress:
    """Everything the app was built with; kept in ``app.extensions["redress"]``."""

    engine: Engine
    users: Users
    idempotency: IdempotencyStore
    catalogue: Catalogue
    test_mode: bool


def redress() -> Redress:
    found: Redress = current_app.extensions["redress"]
    return found


def engine() -> Engine:
    return redress().engine


def users() -> Users:
    return redress().users


def idempotency() -> IdempotencyStore:
    return redress().idempotency


def catalogue() -> Catalogue:
    return redress().catalogue


def user() -> User:
    """The signed-in caller (the access layer has already refused anonymous requests)."""
    found = current_user()
    if found is None:  # pragma: no cover - only on a public endpoint, which never asks
        raise RuntimeError("no signed-in user on this request")
    return found
