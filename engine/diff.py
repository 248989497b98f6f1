"""What changed between two versions of a diagram: elements added, removed and changed.

Plain function over the XML, shared by the modeller's diff view and the migration preview.
Elements are matched by id; an element is *changed* when its type, attributes, text or any
child without an id of its own (documentation, scripts, extension elements, conditions,
lane membership) differ. Layout (BPMNDI) is not a change of behaviour and is ignored.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypedDict

from lxml import etree

from engine import safe_xml

__all__ = ["DiffEntry", "VersionDiff", "diff_versions"]

_DI_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
)


class DiffEntry(TypedDict):
    id: str
    type: str
    name: str


class VersionDiff(TypedDict):
    added: list[DiffEntry]
    removed: list[DiffEntry]
    changed: list[DiffEntry]


def _is_di(el: etree._Element) -> bool:
    return isinstance(el.tag, str) and etree.QName(el).namespace in _DI_NAMESPACES


# Attributes at their BPMN default say nothing: modellers write or drop them freely.
_DEFAULTS = {
    "cancelActivity": "true", "isInterrupting": "true", "isForCompensation": "false",
    "startQuantity": "1", "completionQuantity": "1", "parallelMultiple": "false",
    "isClosed": "false", "gatewayDirection": "Unspecified", "instantiate": "false",
    "isImmediate": "true",
}
# Children that only repeat what the sequence flows say.
_REDUNDANT = ("incoming", "outgoing")


def _signature(el: etree._Element) -> str:
    """A hash of what the element says; children that are elements of their own are left out.

    Order of children does not matter (modellers reorder them), nor do default attributes.
    """

    def text(node: etree._Element, top: bool) -> str | None:
        if not isinstance(node.tag, str) or _is_di(node):
            return None
        if not top and (node.get("id") is not None
                        or etree.QName(node).localname in _REDUNDANT):
            return None
        attrs = sorted((k, v) for k, v in node.attrib.items()
                       if not (top and k == "id") and _DEFAULTS.get(k) != v)
        children = sorted(t for c in node if (t := text(c, False)) is not None)
        return f"<{node.tag} {attrs!r}>{(node.text or '').strip()}{''.join(children)}</>"

    return hashlib.sha256((text(el, True) or "").encode()).hexdigest()


def _elements(xml: bytes | str) -> dict[str, tuple[etree._Element, str]]:
    raw = xml.encode() if isinstance(xml, str) else xml
    root = safe_xml.parse_untrusted(raw, "diagram")
    found: dict[str, tuple[etree._Element, str]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or _is_di(el) or el is root:
            continue
        element_id = el.get("id")
        if element_id:
            found[element_id] = (el, _signature(el))
    return found


def _entry(element_id: str, el: etree._Element) -> DiffEntry:
    return {"id": element_id, "type": etree.QName(el).localname, "name": el.get("name") or ""}


def diff_versions(old_xml: bytes | str, new_xml: bytes | str) -> VersionDiff:
    """Elements added, removed and changed from ``old_xml`` to ``new_xml`` (BPMN or DMN).

    Raises:
        DeploymentError: either document is not safe, well-formed XML.
    """
    old, new = _elements(old_xml), _elements(new_xml)
    result: dict[str, Any] = {
        "added": [_entry(i, new[i][0]) for i in new if i not in old],
        "removed": [_entry(i, old[i][0]) for i in old if i not in new],
        "changed": [_entry(i, new[i][0]) for i in new if i in old and old[i][1] != new[i][1]],
    }
    return VersionDiff(added=result["added"], removed=result["removed"],
                       changed=result["changed"])
