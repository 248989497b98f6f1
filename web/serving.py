"""gunicorn's sync worker, ending a finished connection at once when the client can send no more.

gunicorn 27's sync worker ends every connection with ``util.close_graceful``: it sends its FIN,
then waits (up to 2 s) for the client's, so that request bytes still on their way cannot make
the kernel answer with a reset that destroys the reply before the client reads it (RFC 9112,
section 9.6). While it waits, the worker accepts nobody: under load a worker idles until the
client has been scheduled and has closed its side.

That wait protects nothing when the whole request has arrived: the body was read to its
``Content-Length``, gunicorn holds no bytes read ahead of it, and the socket has nothing waiting
to be read. nginx's default (``lingering_close on``) lingers only when "the client may be
sending more data"; this worker does the same (decision 0028). In every other case (a chunked
body, a body the application did not read to its end, bytes pipelined behind the request, a
request gunicorn itself failed to serve, TLS ended by gunicorn itself) gunicorn's own
lingering close runs unchanged.

Run it with ``gunicorn -k web.serving.SyncWorker``. It reads two attributes of gunicorn's request
object (the body's reader and the read-ahead buffer); if a future gunicorn renames them, the
check answers "may send more" and the worker behaves exactly like gunicorn's.
"""

from __future__ import annotations

import contextlib
import io
import select
import socket
from typing import Any

from gunicorn.http.body import LengthReader
from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

__all__ = ["SyncWorker", "request_fully_received"]


def request_fully_received(req: Any, client: socket.socket) -> bool:
    """True when the client has sent all it will: a body of known length read to its end,
    nothing read ahead of it, and nothing waiting on the socket."""
    reader = getattr(getattr(req, "body", None), "reader", None)
    if not isinstance(reader, LengthReader) or getattr(reader, "length", None) != 0:
        return False  # chunked, until-close, or not read to its end: more may be coming
    read_ahead = getattr(getattr(req, "unreader", None), "buf", None)
    if not isinstance(read_ahead, io.BytesIO) or read_ahead.getbuffer().nbytes:
        return False  # bytes pipelined behind the request (or a gunicorn this was not made for)
    try:
        poller = select.poll()  # not select(): a descriptor above 1023 is fine here
        poller.register(client, select.POLLIN)
        return not poller.poll(0)  # readable means bytes, or the client's FIN, already here
    except (OSError, ValueError):
        return False


class SyncWorker(GunicornSyncWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's sync worker, with nginx's lingering-close heuristic (see the module)."""

    def handle_request(self, listener: Any, req: Any, client: socket.socket, addr: Any) -> None:
        super().handle_request(listener, req, client, addr)
        if not self.cfg.is_ssl and request_fully_received(req, client):  # TLS ends at the proxy
            # Both directions shut: gunicorn's close_graceful, which runs next, then finds the
            # read side at its end and closes without waiting for the client's FIN.
            with contextlib.suppress(OSError):  # the client has gone: closed as before
                client.shutdown(socket.SHUT_RDWR)
