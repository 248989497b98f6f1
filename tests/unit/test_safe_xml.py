"""Untrusted uploads: every dangerous XML feature is refused before SpiffWorkflow sees the file."""

from __future__ import annotations

import time

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import safe_xml
from engine.exceptions import DiagramError

MINIMAL_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="minimal_defs" targetNamespace="http://redress.test/minimal">
  <bpmn:process id="minimal" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="calc">
      <bpmn:extensionElements>
        <spiffworkflow:preScript>a = 1</spiffworkflow:preScript>
        <spiffworkflow:properties>
          <spiffworkflow:property name="owner" value="caseworker"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>b = a + 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

MINIMAL_DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
    namespace="http://redress.test/dmn"/>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x"
    targetNamespace="http://x">
  <bpmn:process id="leak" name="&secret;" isExecutable="true"/>
</bpmn:definitions>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x"
    targetNamespace="http://x"><bpmn:process id="boom" name="&lol9;"/></bpmn:definitions>"""


def refused(content: bytes, filename: str = "journey.bpmn") -> str:
    with pytest.raises(DiagramError) as caught:
        safe_xml.kind_of(safe_xml.parse_untrusted(content, filename))
    message = str(caught.value)
    assert message.startswith(f"{filename}: ") and "\n" not in message
    return message


def test_xxe_upload_refused() -> None:
    message = refused(XXE)
    assert "DOCTYPE declarations are not allowed" in message
    assert "root:" not in message  # /etc/passwd never reaches the message


def test_xxe_in_utf16_refused_by_the_parsed_doctype() -> None:
    # The byte scan cannot see a UTF-16 DOCTYPE; the check on the parsed document must.
    content = ('<?xml version="1.0" encoding="UTF-16"?>'
               '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]><x>&secret;</x>')
    message = refused(content.encode("utf-16"))
    assert "DOCTYPE declarations are not allowed" in message and "root:" not in message


def test_external_dtd_refused() -> None:
    assert "DOCTYPE" in refused(b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>')


def test_billion_laughs_refused_quickly() -> None:
    started = time.perf_counter()
    assert "DOCTYPE" in refused(LAUGHS)
    assert time.perf_counter() - started < 1


def test_upload_over_ten_megabytes_refused() -> None:
    content = MINIMAL_BPMN.encode().replace(b"</bpmn:definitions>", b"<!--" + b"x" * (
        safe_xml.MAX_UPLOAD_BYTES) + b"--></bpmn:definitions>")
    assert "larger than the upload limit of 10 MB" in refused(content)


@pytest.mark.parametrize("content, root", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>', "svg in namespace"),
    (b"<html><body>hello</body></html>", "html in no namespace"),
    (b'<definitions xmlns="http://example.com/not-bpmn"/>', "definitions in namespace"),
])
def test_non_bpmn_xml_refused(content: bytes, root: str) -> None:
    message = refused(content, "picture.bpmn")
    assert "not a BPMN or DMN document" in message and root in message


@pytest.mark.parametrize("content", [b"<bpmn:definitions", b"<a><b></a>", b"\x00\xff", b" "])
def test_malformed_xml_refused_with_a_clear_message(content: bytes) -> None:
    message = refused(content)
    assert "not well-formed XML" in message or "empty" in message


def test_deep_nesting_refused() -> None:
    depth = safe_xml.MAX_DEPTH + 10
    assert "nest deeper than 200 levels" in refused(b"<a>" * depth + b"</a>" * depth)


def test_too_many_elements_refused() -> None:
    content = b"<a>" + b"<b/>" * (safe_xml.MAX_ELEMENTS + 1) + b"</a>"
    assert "more than 200000 elements" in refused(content)


def test_valid_minimal_bpmn_with_spiffworkflow_extensions_accepted() -> None:
    root = safe_xml.parse_untrusted(MINIMAL_BPMN.encode(), "minimal.bpmn")
    assert safe_xml.kind_of(root) == "bpmn"
    safe_xml.validate_bpmn_schema(root, "minimal.bpmn")
    parser = SpiffBpmnParser()  # the checked tree is what SpiffWorkflow then parses
    parser.add_bpmn_xml(root, "minimal.bpmn")
    assert parser.get_spec("minimal").name == "minimal"


def test_dmn_recognised() -> None:
    assert safe_xml.kind_of(safe_xml.parse_untrusted(MINIMAL_DMN, "tiers.dmn")) == "dmn"


def test_schema_violations_listed_with_line_numbers() -> None:
    broken = MINIMAL_BPMN.replace('sourceRef="calc" ', "").replace(
        '<bpmn:startEvent id="start">', '<bpmn:startEvent id="start" colour="red">')
    root = safe_xml.parse_untrusted(broken.encode(), "broken.bpmn")
    with pytest.raises(DiagramError) as caught:
        safe_xml.validate_bpmn_schema(root, "broken.bpmn")
    message = str(caught.value)
    assert message.startswith("broken.bpmn: not valid BPMN 2.0: line 6: ")
    assert "'colour' is not allowed" in message
    assert "line 19: Element 'bpmn:sequenceFlow': The attribute 'sourceRef' is required" in message


def test_correlation_expressions_validate_without_changing_the_tree() -> None:
    # SpiffWorkflow's validator renames these in place; the tree we keep must stay as uploaded.
    with_correlation = MINIMAL_BPMN.replace("<bpmn:process", """
  <bpmn:correlationProperty id="ref" name="ref">
    <bpmn:correlationPropertyRetrievalExpression messageRef="m">
      <bpmn:formalExpression>reference</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:message id="m" name="m"/>
  <bpmn:process""", 1)
    root = safe_xml.parse_untrusted(with_correlation.encode(), "c.bpmn")
    safe_xml.validate_bpmn_schema(root, "c.bpmn")
    assert root.find(f".//{{{safe_xml.BPMN_NAMESPACE}}}formalExpression") is not None
