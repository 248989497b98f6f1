"""People and system accounts, their roles, and their personal API tokens.

Passwords are hashed with werkzeug's default (scrypt). An API token is shown once when issued
and stored only as its SHA-256 hash: a stolen database yields no usable token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from engine import ConflictError, Engine, NotFoundError, ValidationError
from engine.clock import as_utc
from engine.pipeline import all_rows
from workflows.passwords import password_problems
from workflows.roles import ROLE_IDS, is_system_role
from workflows.sessions import Sessions
from workflows.tables import api_tokens, user_roles, users
from workflows.token_cache import AUTH_CHANNEL, TokenCache, forget_tokens

__all__ = ["ApiToken", "IssuedToken", "User", "Users", "hash_token"]

TOKEN_PREFIX = "rdr_"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
_TOUCH_EVERY = timedelta(minutes=5)  # how stale last_used_at may get: avoids a write per request

# A live token with its user and the user's roles (a row per role): built once, run per request.
_TOKEN_USER = (
    select(api_tokens.c.id, api_tokens.c.last_used_at, users.c.id.label("user_id"),
           users.c.username, users.c.display_name, users.c.active, users.c.password_hash,
           user_roles.c.role)
    .join(users, users.c.id == api_tokens.c.user_id)
    .outerjoin(user_roles, user_roles.c.user_id == users.c.id)
    .where(api_tokens.c.token_hash == bindparam("token_hash"), api_tokens.c.revoked_at.is_(None))
)
PASSWORD_METHOD = "scrypt"  # werkzeug's default; tests may swap in a cheaper one
_DUMMY_HASH = generate_password_hash("not a password")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    has_password: bool

    @property
    def is_system(self) -> bool:
        """A system account (another service): token only, system roles only."""
        return not self.has_password and all(is_system_role(r) for r in self.roles)


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the only time the token itself is known


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Users:
    """User accounts, roles and tokens, stored beside the engine's tables."""

    def __init__(self, engine: Engine) -> None:
        self.db = engine.db
        self.reads = engine.reads
        self.conns = engine.conns  # inside a web request: the request's one connection
        self.clock = engine.clock
        self.sessions = Sessions(engine)
        self.token_cache = TokenCache(engine.notices(AUTH_CHANNEL))

    # -- accounts ------------------------------------------------------------------------

    def create(self, username: str, *, display_name: str, roles: Iterable[str],
               password: str | None = None, demo: bool = False) -> User:
        """Add an account (``demo``: a demo account, whose published password skips the policy).

        Raises:
            ValidationError: a malformed username, an unknown role, no role at all, or a
                password the policy refuses.
            ConflictError: the username is taken.
        """
        wanted = _check(username, roles, None if demo else password)
        try:
            with self.db.begin() as conn:
                user_id = conn.execute(insert(users).values(
                    username=username, display_name=display_name or username,
                    password_hash=_hash(password) if password else None,
                    active=True, demo=demo, created_at=self.clock.now(),
                )).inserted_primary_key[0]
                conn.execute(insert(user_roles), [{"user_id": user_id, "role": r} for r in wanted])
        except IntegrityError as exc:
            raise ConflictError(f"user {username!r} already exists") from exc
        return self.get(int(user_id))

    def ensure(self, username: str, *, display_name: str, roles: Iterable[str],
               password: str | None = None, demo: bool = False) -> User:
        """Create the account, or set its roles and password to these (idempotent)."""
        found = self.by_username(username)
        if found is None:
            return self.create(username, display_name=display_name, roles=roles,
                               password=password, demo=demo)
        wanted = _check(username, roles, None if demo else password)
        rehash = bool(password) and not self._password_matches(found.id, password or "")
        with self._changing() as conn:  # one connection at a time: SQLite begins IMMEDIATE
            conn.execute(delete(user_roles).where(user_roles.c.user_id == found.id))
            conn.execute(insert(user_roles), [{"user_id": found.id, "role": r} for r in wanted])
            if rehash:
                conn.execute(update(users).where(users.c.id == found.id)
                             .values(password_hash=_hash(password or "")))
            if demo:
                conn.execute(update(users).where(users.c.id == found.id).values(demo=True))
        return self.get(found.id)

    def set_password(self, user_id: int, password: str, *, keep_session: str | None = None
                     ) -> User:
        """Give a person a new password (checked against the policy); every session of the
        account but ``keep_session`` (the one that changed it) is signed out.

        Raises:
            NotFoundError: no such account.
            ValidationError: the policy refuses the password.
        """
        found = self.get(user_id)
        problems = password_problems(password, found.username)
        if problems:
            raise ValidationError("the password is not accepted", problems)
        with self._changing() as conn:
            conn.execute(update(users).where(users.c.id == user_id)
                         .values(password_hash=_hash(password), demo=False))
        self.sessions.end_all(user_id, keep=keep_session)
        return self.get(user_id)

    def change_password(self, user_id: int, current: str, new: str, *,
                        keep_session: str | None = None) -> User:
        """A person changes their own password: the current one must be given.

        Raises:
            ValidationError: the current password is wrong, or the policy refuses the new one.
        """
        if not self._password_matches(user_id, current):
            raise ValidationError("the password was not changed",
                                  ["current_password: this is not your current password"])
        return self.set_password(user_id, new, keep_session=keep_session)

    def set_roles(self, user_id: int, roles: Iterable[str]) -> User:
        """Replace an account's roles.

        Raises:
            NotFoundError: no such account.
            ValidationError: an unknown role, or none.
        """
        found = self.get(user_id)
        wanted = _check(found.username, roles)
        with self._changing() as conn:
            conn.execute(delete(user_roles).where(user_roles.c.user_id == user_id))
            conn.execute(insert(user_roles), [{"user_id": user_id, "role": r} for r in wanted])
        return self.get(user_id)

    def demo_accounts(self) -> list[str]:
        """Usernames of active demo accounts (their passwords are published)."""
        with self.db.connect() as conn:
            rows = conn.execute(select(users.c.username).where(
                users.c.demo.is_(True), users.c.active.is_(True)).order_by(users.c.username))
            return [r.username for r in rows]

    def disable_demo_accounts(self) -> list[str]:
        """Deactivate every demo account and revoke its tokens; return their usernames."""
        names = self.demo_accounts()
        now = self.clock.now()
        with self._changing() as conn:
            ids = select(users.c.id).where(users.c.demo.is_(True)).scalar_subquery()
            conn.execute(update(api_tokens).where(api_tokens.c.user_id.in_(ids),
                                                  api_tokens.c.revoked_at.is_(None))
                         .values(revoked_at=now))
            conn.execute(update(users).where(users.c.demo.is_(True)).values(active=False))
        return names

    def get(self, user_id: int) -> User:
        found = self.by_id(user_id)
        if found is None:
            raise NotFoundError(f"user {user_id} does not exist")
        return found

    def by_id(self, user_id: int) -> User | None:
        return self._load(users.c.id == user_id)

    def by_username(self, username: str) -> User | None:
        return self._load(users.c.username == username)

    def all(self) -> list[User]:
        with self.db.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.username)).all()
            return [self._user(conn, row) for row in rows]

    def authenticate(self, username: str, password: str) -> User | None:
        """The active account with this username and password, else None."""
        with self.db.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
            stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
            ok = check_password_hash(stored, password)  # always hash: no timing hint
            if row is None or not row.active or not row.password_hash or not ok:
                return None
            return self._user(conn, row)

    # -- tokens --------------------------------------------------------------------------

    def issue_token(self, user_id: int, name: str, *, system_only: bool = False) -> IssuedToken:
        """A new API token for this user; its secret is returned once, never stored.

        ``system_only``: refuse unless the account is a system account (an administrator
        minting a token for someone else must not be able to act as a person).

        Raises:
            NotFoundError: no such account.
            ValidationError: ``system_only`` and the account is a person's.
        """
        owner = self.get(user_id)
        if system_only and not owner.is_system:
            raise ValidationError(
                f"{owner.username!r} is a person's account: tokens are minted only for system "
                "accounts (people issue their own on their account page)",
                ["username: name a system account (integration role, no password)"])
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.begin() as conn:
            token_id = conn.execute(insert(api_tokens).values(
                user_id=user_id, name=name[:200] or "token", token_hash=hash_token(secret),
                prefix=secret[:12], created_at=self.clock.now(),
            )).inserted_primary_key[0]
        return IssuedToken(self.token(int(token_id)), secret)

    def by_token(self, secret: str) -> User | None:
        """The active user a live token belongs to, else None; notes when it was last used.

        A token checked before is answered from ``token_cache`` while nothing says its token,
        user or roles changed (``workflows.token_cache``), and while its last use is recent.
        """
        token_hash = hash_token(secret)
        now = self.clock.now()
        kept = self.token_cache.get(token_hash)
        if kept is not None and not _touch_due(kept.last_used_at, now):
            return kept.user
        generation = self.token_cache.generation
        with self.conns.read() as conn:  # token, user and roles: one query per request
            rows = all_rows(conn, _TOKEN_USER, {"token_hash": token_hash})
        if not rows or not rows[0].active:
            return None
        row = rows[0]
        held = {r.role for r in rows if r.role is not None}
        user = User(row.user_id, row.username, row.display_name,
                    tuple(r for r in ROLE_IDS if r in held), True, bool(row.password_hash))
        last = as_utc(row.last_used_at)
        if _touch_due(last, now):
            with self.conns.write() as conn:
                conn.execute(update(api_tokens).where(api_tokens.c.id == row.id)
                             .values(last_used_at=now))
            last = now
        self.token_cache.put(token_hash, user, row.id, last, generation)
        return user

    def token(self, token_id: int) -> ApiToken:
        with self.db.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if row is None:
            raise NotFoundError(f"API token {token_id} does not exist")
        return _token(row)

    def tokens(self, user_id: int) -> list[ApiToken]:
        with self.db.connect() as conn:
            rows = conn.execute(select(api_tokens).where(api_tokens.c.user_id == user_id)
                                .order_by(api_tokens.c.id)).all()
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: int, *, by: User, any_user: bool = False) -> ApiToken:
        """Revoke a token: one's own, or anyone's when ``any_user`` (administrators).

        Raises:
            NotFoundError: no such token, or (to hide others' tokens) not the caller's.
        """
        found = self.token(token_id)
        if found.user_id != by.id and not any_user:
            raise NotFoundError(f"API token {token_id} does not exist")
        if found.revoked_at is None:
            with self._changing() as conn:
                conn.execute(update(api_tokens).where(api_tokens.c.id == token_id)
                             .values(revoked_at=self.clock.now()))
        return self.token(token_id)

    def revoke_tokens_named(self, user_id: int, name: str) -> int:
        """Revoke every live token of a user with this name (the demo reissues its own)."""
        with self._changing() as conn:
            done = conn.execute(update(api_tokens).where(
                api_tokens.c.user_id == user_id, api_tokens.c.name == name,
                api_tokens.c.revoked_at.is_(None)).values(revoked_at=self.clock.now()))
        return int(done.rowcount)

    # -- helpers -------------------------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[Any]:
        """A transaction that changes what a token signs in: this process's copies of checked
        tokens are dropped once it commits (other processes hear of it from the triggers)."""
        with self.db.begin() as conn:
            yield conn
        forget_tokens()

    def _load(self, where: Any) -> User | None:
        with self.conns.read() as conn:
            row = conn.execute(select(users).where(where)).first()
            return None if row is None else self._user(conn, row)

    def _user(self, conn: Any, row: Any) -> User:
        held = {r for (r,) in conn.execute(select(user_roles.c.role)
                                           .where(user_roles.c.user_id == row.id))}
        ordered = tuple(r for r in ROLE_IDS if r in held)
        return User(row.id, row.username, row.display_name, ordered, bool(row.active),
                    bool(row.password_hash))

    def _password_matches(self, user_id: int, password: str) -> bool:
        with self.db.connect() as conn:
            stored = conn.execute(select(users.c.password_hash)
                                  .where(users.c.id == user_id)).scalar()
        return bool(stored) and check_password_hash(stored, password)


def _touch_due(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at > _TOUCH_EVERY


def _hash(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def _check(username: str, roles: Iterable[str], password: str | None = None) -> list[str]:
    wanted = sorted(set(roles))
    problems = password_problems(password, username) if password else []
    if not _USERNAME.match(username):
        problems.append("username: 2-100 characters, lower-case letters, digits, '.', '_' or '-'")
    unknown = [r for r in wanted if r not in ROLE_IDS]
    if unknown:
        problems.append(f"roles: unknown role(s) {', '.join(unknown)}")
    if not wanted:
        problems.append("roles: at least one role is needed")
    if problems:
        raise ValidationError("the account is not valid", problems)
    return wanted


def _token(row: Any) -> ApiToken:
    return ApiToken(row.id, row.user_id, row.name, row.prefix, as_utc(row.created_at),  # type: ignore[arg-type]
                    as_utc(row.last_used_at), as_utc(row.revoked_at))

