"""Issue 10 findings 2 and 6: a form schema never fetches a `$ref`, never backtracks a pattern."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import DeploymentError, Engine, ValidationError, forms
from tests.engine.conftest import diagram_files


def _deploy_review_form(engine: Engine, schema: dict[str, object], **extra: bytes) -> None:
    files = diagram_files("simple.bpmn")
    files["review.schema.json"] = json.dumps(schema).encode()
    files.update(extra)
    engine.deploy(files, name="forms", user="analyst")


def _review_task(engine: Engine) -> str:
    instance = engine.start("simple", business_key="F-1", data={"name": "A"}, user="cw1")
    [task] = engine.tasks(instance_id=instance.id)
    return task.id


@pytest.fixture
def listener() -> Iterator[list[str]]:
    """A local HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b'{"enum": ["FROM-THE-NETWORK"]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hits.append(f"http://127.0.0.1:{server.server_address[1]}")
    yield hits
    server.shutdown()
    server.server_close()


def test_finding2_form_ref_to_a_local_file_is_refused_at_deploy_and_never_read(
    engine: Engine, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"enum": ["SECRET-FROM-LOCAL-FILE-42"]}')
    schema = {"type": "object", "properties": {"approved": {"$ref": secret.as_uri()}}}
    with pytest.raises(DeploymentError, match=r"review\.schema\.json: \$ref .* outside") as e:
        _deploy_review_form(engine, schema)
    assert "SECRET" not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(Exception, match="no deployed process"):
        engine.start("simple", business_key="F-1", user="cw1")


def test_finding2_form_ref_to_a_url_is_refused_at_deploy_and_never_fetched(
    engine: Engine, listener: list[str]
) -> None:
    base = listener[0]
    schema = {"type": "object", "properties": {"approved": {"$ref": f"{base}/ssrf.json"}}}
    with pytest.raises(DeploymentError, match=r"review\.schema\.json: \$ref"):
        _deploy_review_form(engine, schema)
    assert listener[1:] == []


def test_finding2_validation_never_retrieves_even_a_ref_that_slipped_past_deploy(
    listener: list[str], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"enum": ["SECRET-FROM-LOCAL-FILE-42"]}')
    for ref in (secret.as_uri(), f"{listener[0]}/ssrf.json"):
        schema = {"type": "object", "properties": {"a": {"$ref": ref}}}
        with pytest.raises(ValidationError) as caught:
            forms.validate({"f.json": schema}, "f.json", {"a": "x"})
        assert "SECRET" not in str(caught.value.errors)
    assert listener[1:] == []


def test_finding2_refs_inside_the_schema_and_to_another_form_of_the_deployment_resolve(
    engine: Engine,
) -> None:
    schema = {
        "type": "object",
        "required": ["approved"],
        "properties": {
            "approved": {"$ref": "#/$defs/yes_no"},
            "notes": {"$ref": "common.schema.json#/$defs/note"},
        },
        "$defs": {"yes_no": {"type": "boolean"}},
    }
    common = {"$defs": {"note": {"type": "string", "maxLength": 5}}}
    _deploy_review_form(engine, schema, **{"common.schema.json": json.dumps(common).encode()})
    task_id = _review_task(engine)
    with pytest.raises(ValidationError) as caught:
        engine.complete(task_id, {"approved": "yes", "notes": "far too long"}, user="cw1")
    assert any(m.startswith("approved:") for m in caught.value.errors)
    assert any(m.startswith("notes:") for m in caught.value.errors)
    engine.complete(task_id, {"approved": True, "notes": "ok"}, user="cw1")


def test_finding8_a_form_file_nested_100k_deep_is_a_one_line_deploy_error(
    engine: Engine,
) -> None:
    nested = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    with pytest.raises(DeploymentError, match=r"review\.schema\.json: nested more than \d+"):
        _deploy_review_form(engine, {}, **{"review.schema.json": nested})
    modest = {"type": "object"}
    node = modest
    for _ in range(60):
        node["properties"] = {"a": {"type": "object"}}
        node = node["properties"]["a"]  # type: ignore[assignment]
    with pytest.raises(DeploymentError, match="nested more than"):
        _deploy_review_form(engine, modest)


def test_finding6_backtracking_pattern_is_matched_in_linear_time(engine: Engine) -> None:
    schema = {
        "type": "object",
        "properties": {"approved": {"type": "boolean"}, "notes": {"pattern": "^(a+)+$"}},
    }
    _deploy_review_form(engine, schema)
    task_id = _review_task(engine)
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="not valid") as caught:
        engine.complete(task_id, {"approved": True, "notes": "a" * 40 + "!"}, user="cw1")
    assert time.perf_counter() - started < 1.0  # Python's re: hours (doubles per character)
    assert caught.value.errors == ["notes: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' does "
                                   "not match '^(a+)+$'"]
    engine.complete(task_id, {"approved": True, "notes": "aaaa"}, user="cw1")


@pytest.mark.parametrize(
    "schema, message",
    [
        ({"properties": {"a": {"pattern": "(a)\\1"}}},
         r"pattern .* is not supported \(invalid escape"),
        ({"properties": {"a": {"pattern": "a(?=b)"}}}, "is not supported"),
        ({"patternProperties": {"^x": {}}}, "patternProperties is not supported"),
        ({"properties": {"a": {"pattern": "a" * 1001}}}, "longer than 1000"),
        ({"$id": "https://example.org/x.json"}, r"\$id is not supported"),
    ],
)
def test_finding6_patterns_re2_cannot_run_are_refused_at_deploy_in_one_line(
    engine: Engine, schema: dict[str, object], message: str
) -> None:
    with pytest.raises(DeploymentError, match=message) as caught:
        _deploy_review_form(engine, schema)
    assert str(caught.value).startswith("review.schema.json: ")
    assert "\n" not in str(caught.value)
