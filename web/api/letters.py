"""Letters and other documents a case produced: metadata and the PDF itself."""

from __future__ import annotations

from flask import Blueprint, Response

from engine import DocumentRecord, NotFoundError
from web.api.http import reply
from web.api.openapi import Reply, operation, ref
from web.api.present import letter_json
from web.case_access import open_case
from web.context import engine
from workflows.roles import Permission

bp = Blueprint("letters", __name__, url_prefix="/api/v1/instances")


def _find(instance_id: int, letter_id: int) -> DocumentRecord:
    open_case(engine().instance(instance_id, with_data=False))
    for document in engine().documents(instance_id):
        if document.id == letter_id:
            return document
    raise NotFoundError(f"instance {instance_id} has no letter {letter_id}")


@operation(bp, "GET", "/<id:instance_id>/letters", summary="List a case's letters",
           permission=Permission.VIEW_LETTERS,
           replies={200: Reply("Letters and documents, oldest first.", ref("LetterList"))})
def list_letters(instance_id: int) -> Response:
    """Every letter the case produced (CMSL5701, CMSL5842, ...), oldest first."""
    open_case(engine().instance(instance_id, with_data=False))
    return reply({"items": [letter_json(d) for d in engine().documents(instance_id)]})


@operation(bp, "GET", "/<id:instance_id>/letters/<id:letter_id>", summary="Letter metadata",
           permission=Permission.VIEW_LETTERS, replies={200: Reply("The letter.", ref("Letter"))})
def get_letter(instance_id: int, letter_id: int) -> Response:
    """One letter's name, kind, type and when it was made."""
    return reply(letter_json(_find(instance_id, letter_id)))


@operation(bp, "GET", "/<id:instance_id>/letters/<id:letter_id>/content",
           summary="Download a letter", permission=Permission.VIEW_LETTERS,
           replies={200: Reply("The document (normally a PDF).", {"type": "string"},
                               media="application/pdf")})
def letter_content(instance_id: int, letter_id: int) -> Response:
    """The letter as it was sent (PDF)."""
    document = _find(instance_id, letter_id)
    response = Response(engine().document_content(letter_id), mimetype=document.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{document.name}"'
    return response
