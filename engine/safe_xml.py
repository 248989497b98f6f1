"""Hardened parsing of untrusted BPMN/DMN uploads, before SpiffWorkflow sees them.

Diagrams come from a browser modeller, so they are hostile until proved otherwise. SpiffWorkflow
parses with plain lxml, and whether lxml resolves an external entity depends on its version; we
therefore refuse every DOCTYPE outright (no DTD is needed by BPMN or DMN), which rules out XXE,
entity expansion ("billion laughs") and network fetches whatever the library does. Size, depth
and element-count limits bound memory and the work of later passes. Every refusal is a
:class:`~engine.exceptions.DiagramError` whose one-line message names the file; no lxml
exception escapes.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any, Final, Literal

from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

from engine.exceptions import DiagramError

__all__ = [
    "BPMN_NAMESPACE",
    "DMN_NAMESPACES",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_UPLOAD_BYTES",
    "kind_of",
    "parse_untrusted",
    "validate_bpmn_schema",
]

MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
MAX_DEPTH: Final = 200
MAX_ELEMENTS: Final = 200_000
_SCHEMA_ERRORS_SHOWN: Final = 5
_ELEMENT_START: Final = re.compile(rb"<[A-Za-z_:]")

BPMN_NAMESPACE: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES: Final = frozenset({
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",  # DMN 1.1, still read by SpiffWorkflow
    "http://www.omg.org/spec/DMN/20180521/MODEL/",  # DMN 1.2
    "https://www.omg.org/spec/DMN/20191111/MODEL/",  # DMN 1.3
    "https://www.omg.org/spec/DMN/20230324/MODEL/",  # DMN 1.5
})


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers keep per-document state and are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_untrusted(content: bytes, filename: str) -> etree._Element:
    """Parse an uploaded diagram with every dangerous XML feature refused.

    Raises:
        DiagramError: too large, not well-formed, has a DOCTYPE, or nests too deep or too wide.
    """
    if len(content) > MAX_UPLOAD_BYTES:
        raise DiagramError(
            f"{filename}: larger than the upload limit of {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
            f" ({len(content)} bytes)"
        )
    if not content.strip():
        raise DiagramError(f"{filename}: the file is empty")
    # Refuse before libxml2 reads a DTD at all (ASCII-compatible encodings); the docinfo check
    # after parsing is the authoritative one and also covers UTF-16.
    first_element = _ELEMENT_START.search(content)
    if b"<!DOCTYPE" in content[: first_element.start() if first_element else len(content)]:
        raise DiagramError(f"{filename}: DOCTYPE declarations are not allowed")
    try:
        root = etree.fromstring(content, _parser(), base_url=filename)
    except etree.XMLSyntaxError as exc:
        detail = exc.msg or _first_line(exc)  # .msg omits lxml's "(file, line n)" suffix
        raise DiagramError(f"{filename}: not well-formed XML: {detail}") from None
    except (etree.LxmlError, ValueError) as exc:
        raise DiagramError(f"{filename}: not readable as XML: {_first_line(exc)}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DiagramError(f"{filename}: DOCTYPE declarations are not allowed")
    _check_shape(root, filename)
    return root


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_shape(root: etree._Element, filename: str) -> None:
    depth, count = 0, 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if depth > MAX_DEPTH:
            raise DiagramError(f"{filename}: elements nest deeper than {MAX_DEPTH} levels")
        if count > MAX_ELEMENTS:
            raise DiagramError(f"{filename}: more than {MAX_ELEMENTS} elements")


def kind_of(root: etree._Element, filename: str | None = None) -> Literal["bpmn", "dmn"]:
    """Whether a parsed upload is a BPMN or a DMN document, judged by its root element.

    ``filename`` defaults to the name given to :func:`parse_untrusted`.

    Raises:
        DiagramError: the root is not ``definitions`` in a BPMN 2.0 or DMN namespace.
    """
    name = filename or root.getroottree().docinfo.URL or "upload"
    qname = etree.QName(root)
    if qname.localname == "definitions":
        if qname.namespace == BPMN_NAMESPACE:
            return "bpmn"
        if qname.namespace in DMN_NAMESPACES:
            return "dmn"
    found = f"{qname.localname} in namespace {qname.namespace}" if qname.namespace else (
        f"{qname.localname} in no namespace")
    raise DiagramError(f"{name}: not a BPMN or DMN document (root element {found})")


_validator_lock = threading.Lock()
_validator: Any = None


def _bpmn_validator() -> Any:
    # Compiling the BPMN 2.0 XSD (~5 ms) on every upload is waste: once per process, on first use.
    # Validation runs under the same lock because an lxml XMLSchema keeps its error log on the
    # instance, so two threads validating at once would mix their errors.
    global _validator
    if _validator is None:
        _validator = BpmnValidator()
    return _validator


def validate_bpmn_schema(root: etree._Element, filename: str) -> None:
    """Validate a BPMN document against the BPMN 2.0 XSD bundled with SpiffWorkflow.

    Extension elements and attributes (the SpiffWorkflow namespace among them) are lax in the
    XSD, so they pass as long as the BPMN elements around them are valid.

    Raises:
        DiagramError: listing the first few schema errors with their line numbers.
    """
    with _validator_lock:
        validator = _bpmn_validator()
        # SpiffWorkflow's preprocess renames bpmn.js's correlation expressions in place;
        # validate a copy then, so the tree SpiffWorkflow later parses is the one uploaded.
        target = root
        if root.find(f".//{{{BPMN_NAMESPACE}}}correlationPropertyRetrievalExpression") is not None:
            target = copy.deepcopy(root)
        validator.preprocess(target)
        schema: etree.XMLSchema = validator.validator
        if schema.validate(target):
            return
        prefix = f"{{{BPMN_NAMESPACE}}}"
        errors = [f"line {e.line}: {e.message.replace(prefix, 'bpmn:')}" for e in schema.error_log]
    shown = "; ".join(errors[:_SCHEMA_ERRORS_SHOWN])
    hidden = len(errors) - _SCHEMA_ERRORS_SHOWN
    more = f" (and {hidden} more)" if hidden > 0 else ""
    raise DiagramError(f"{filename}: not valid BPMN 2.0: {shown}{more}")
