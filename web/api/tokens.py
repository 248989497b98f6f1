"""Who am I, personal API tokens, and (administrators) user accounts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, url_for

from engine import NotFoundError
from web.api.http import reply
from web.api.openapi import Reply, operation, ref
from web.api.present import me_json, token_json, user_json
from web.context import user, users
from web.problems import Forbidden
from workflows.roles import ROLE_IDS, Permission, allowed

bp = Blueprint("accounts", __name__, url_prefix="/api/v1")

_NEW_TOKEN = {
    "type": "object", "required": ["name"], "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200,
                 "description": "What the token is for, e.g. 'post room scanner'."},
        "username": {"type": "string", "minLength": 1, "maxLength": 100,
                     "description": "Administrators: issue it to this (system) account."},
    },
}
_NEW_USER = {
    "type": "object", "required": ["username", "roles"], "additionalProperties": False,
    "properties": {
        "username": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,99}$"},
        "display_name": {"type": "string", "maxLength": 200},
        "roles": {"type": "array", "minItems": 1, "uniqueItems": True,
                  "items": {"type": "string", "enum": list(ROLE_IDS)}},
        "password": {"type": "string", "minLength": 12, "maxLength": 200,
                     "description": "Omit for a system account that signs in by token only."},
    },
}


@operation(bp, "GET", "/me", summary="Who am I", permission=Permission.AUTHENTICATED,
           replies={200: Reply("The caller, roles, permissions and start page.", ref("Me"))})
def me() -> Response:
    """The signed-in user (or token owner) with roles and what they grant."""
    return reply(me_json(user()))


@operation(bp, "GET", "/tokens", summary="List my API tokens",
           permission=Permission.AUTHENTICATED,
           replies={200: Reply("Your tokens (never the secrets).", ref("TokenList"))})
def list_tokens() -> Response:
    """Your tokens with prefix, creation, last use and revocation times."""
    return reply({"items": [token_json(t) for t in users().tokens(user().id)]})


@operation(bp, "POST", "/tokens", summary="Issue an API token",
           permission=Permission.AUTHENTICATED, body=_NEW_TOKEN,
           replies={201: Reply("The token: its secret is shown this once.", ref("IssuedToken"),
                               headers={"Location": "The token's URL."})})
def issue_token(body: dict[str, Any]) -> Response:
    """A new personal token (administrators may issue one to a system account)."""
    caller, owner = user(), user()
    wanted = body.get("username")
    if wanted and wanted != caller.username:
        if not allowed(caller.roles, Permission.MANAGE_USERS):
            raise Forbidden("only administrators issue tokens to other accounts")
        found = users().by_username(wanted)
        if found is None:
            raise NotFoundError(f"user {wanted!r} does not exist")
        owner = found
    # Another person's token would let its holder act (and be audited) as that person.
    issued = users().issue_token(owner.id, body["name"], system_only=owner.id != caller.id)
    return reply({**token_json(issued.token), "token": issued.secret, "username": owner.username},
                 201, Location=url_for(".list_tokens"))


@operation(bp, "DELETE", "/tokens/<id:token_id>", summary="Revoke an API token",
           permission=Permission.AUTHENTICATED,
           replies={200: Reply("Revoked (from now on it is refused).", ref("Token"))})
def revoke_token(token_id: int) -> Response:
    """Revoke one of your tokens (administrators: anyone's)."""
    caller = user()
    token = users().revoke_token(token_id, by=caller,
                                 any_user=allowed(caller.roles, Permission.MANAGE_USERS))
    return reply(token_json(token))


@operation(bp, "GET", "/users", summary="List users", permission=Permission.MANAGE_USERS,
           replies={200: Reply("Every account and its roles.", ref("UserList"))})
def list_users() -> Response:
    """Every account, person or system, with its roles."""
    return reply({"items": [user_json(u) for u in users().all()]})


@operation(bp, "POST", "/users", summary="Create a user", permission=Permission.MANAGE_USERS,
           body=_NEW_USER, errors=(409,),
           replies={201: Reply("Created.", ref("User"), headers={"Location": "Users list."})})
def create_user(body: dict[str, Any]) -> Response:
    """Add a person (with a password) or a system account (token only) with roles."""
    created = users().create(body["username"], display_name=body.get("display_name", ""),
                             roles=body["roles"], password=body.get("password"))
    return reply(user_json(created), 201, Location=url_for(".list_users"))
