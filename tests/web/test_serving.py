"""The README's gunicorn worker (``web.serving.SyncWorker``) and gunicorn's own, on real sockets.

gunicorn's sync worker waits for the client's FIN after every reply; Redress's waits only when
the client may still be sending (decision 0028). Each test runs one real gunicorn worker on a
tiny WSGI app, so a worker busy waiting shows as a second client kept waiting.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.common import free_port

ROOT = Path(__file__).resolve().parents[2]

APP = '''
def app(environ, start_response):
    if environ["PATH_INFO"] == "/refuse":  # answers without reading the body, as a 413 does
        start_response("413 Content Too Large", [("Content-Length", "7")])
        return [b"refused"]
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]
'''


@contextlib.contextmanager
def _gunicorn(tmp_path: Path, worker_class: str) -> Iterator[int]:
    (tmp_path / "tiny_app.py").write_text(APP)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-k", worker_class, "--no-control-socket",
         "-b", f"127.0.0.1:{port}", "--chdir", str(tmp_path), "--log-level", "warning",
         "tiny_app:app"], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _send(port: int, path: str, body: bytes | None) -> socket.socket:
    """A POST of ``body``, or a GET without a body when ``body`` is None."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n" if body is None else
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n")
    sock.sendall(head.encode() + (body or b""))
    return sock


def _read_reply(sock: socket.socket) -> bytes:
    """The whole reply: everything until the server ends the connection."""
    reply = b""
    while chunk := sock.recv(65536):
        reply += chunk
    return reply


def _second_client_wait(port: int, first_body: bytes | None) -> float:
    """Seconds a second client waits while the first holds its answered connection open."""
    first = _send(port, "/echo", first_body)
    assert _read_reply(first).startswith(b"HTTP/1.1 200")  # ended by the server: EOF
    started = time.monotonic()
    second = _send(port, "/echo", b"second")
    reply = _read_reply(second)
    waited = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"second")
    first.close()
    second.close()
    return waited


@pytest.mark.parametrize("worker_class, slow, first_body", [
    ("web.serving.SyncWorker", False, b"first"),
    ("web.serving.SyncWorker", False, None),  # a GET: no body at all
    ("sync", True, b"first"),
])
def test_sync_worker_takes_the_next_client_without_waiting_for_the_last_ones_fin(
        tmp_path: Path, worker_class: str, slow: bool, first_body: bytes | None) -> None:
    with _gunicorn(tmp_path, worker_class) as port:
        _second_client_wait(port, first_body)  # the worker has imported everything
        waited = _second_client_wait(port, first_body)
    # gunicorn's own worker lingers up to 2 s for the first client's FIN; Redress's does not.
    assert (waited > 1.5) if slow else (waited < 0.5), waited


def test_sync_worker_still_lingers_when_the_client_is_still_sending(tmp_path: Path) -> None:
    """A reply sent before the body was read: closing at once would answer the rest of the body
    with a reset that can destroy the reply, so the worker drains it first (RFC 9112, 9.6)."""
    with _gunicorn(tmp_path, "web.serving.SyncWorker") as port:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        half = b"x" * 8192
        sock.sendall(b"POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 16384\r\n\r\n" + half)
        reply = b""
        while b"refused" not in reply:
            reply += sock.recv(65536)
        sock.sendall(half)  # the rest of the body, after the reply
        sock.shutdown(socket.SHUT_WR)
        reply += _read_reply(sock)  # a reset here would raise ConnectionResetError
        sock.close()
    assert reply.startswith(b"HTTP/1.1 413") and reply.endswith(b"refused")


def test_sync_worker_lingers_when_a_second_request_was_pipelined_behind_the_first(
        tmp_path: Path) -> None:
    """Bytes read ahead of the answered request mean the client is sending more: the worker
    keeps gunicorn's linger, so a second client waits until the first closes (or 2 s pass)."""
    with _gunicorn(tmp_path, "web.serving.SyncWorker") as port:
        _second_client_wait(port, b"warm")  # the worker has imported everything
        first = socket.create_connection(("127.0.0.1", port), timeout=10)
        request = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
        first.sendall(request + request.replace(b"one", b"two"))
        assert _read_reply(first).endswith(b"one")  # answered, and the worker sent its FIN
        started = time.monotonic()
        second = _send(port, "/echo", b"second")
        assert _read_reply(second).endswith(b"second")
        waited = time.monotonic() - started
        first.close()
        second.close()
    assert waited > 1.5, waited
