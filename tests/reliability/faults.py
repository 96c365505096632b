"""An S3 endpoint with injected failures: a loopback proxy in front of a moto server.

Requests pass through unchanged unless a ``Fault`` matches (method and a substring of the decoded key
path); a matching request gets S3's own error document with the fault's status, ``times`` times, and
never reaches moto. Every request is recorded, so a test can count reads, writes and retries.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
ERROR_CODES = {500: "InternalError", 503: "SlowDown", 403: "AccessDenied"}


@dataclass
class Fault:
    method: str
    path_contains: str
    status: int = 503
    times: int = 1


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # decoded, without the query
    query: str
    status: int
    injected: bool


@dataclass
class FaultyS3:
    upstream: str  # host:port of the moto server
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    connections: threading.local = field(default_factory=threading.local)

    def inject(self, method: str, path_contains: str, *, status: int = 503, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(method, path_contains, status, times))

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
            self.seen.clear()

    def count(self, method: str, path_contains: str, *, injected: bool | None = None) -> int:
        with self.lock:
            return sum(
                1
                for s in self.seen
                if s.method == method
                and path_contains in s.path
                and (injected is None or s.injected == injected)
            )

    def forward(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """Send a request to moto on this thread's kept-alive connection (a new one if it was closed)."""
        for attempt in (1, 2):
            connection = getattr(self.connections, "upstream", None)
            if connection is None:
                connection = self.connections.upstream = http.client.HTTPConnection(self.upstream, timeout=60)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response, response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                self.connections.upstream = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path_contains in path:
                    fault.times -= 1
                    return fault
        return None

    def _record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)


def _handler(state: FaultyS3) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return None

        def _body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    chunk = self.rfile.read(size)
                    self.rfile.readline()
                    if size == 0:
                        return b"".join(chunks)
                    chunks.append(chunk)
            return self.rfile.read(int(self.headers.get("content-length") or 0))

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            body = self._body()
            fault = state._take_fault(self.command, path)
            if fault is not None:
                code = ERROR_CODES.get(fault.status, "InternalError")
                error = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
                self.send_response(fault.status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(error) if self.command != "HEAD" else 0))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(error)
                state._record(Seen(self.command, path, parts.query, fault.status, injected=True))
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            response, data = state.forward(self.command, self.path, body, headers)
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            length = response.getheader("content-length") if self.command == "HEAD" else str(len(data))
            self.send_header("Content-Length", length or "0")
            self.end_headers()
            state._record(Seen(self.command, path, parts.query, response.status, injected=False))
            if self.command != "HEAD":
                self.wfile.write(data)  # a client may hang up early (an object over its size limit)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve  # noqa: N815

    return Proxy


@contextmanager
def faulty_s3(upstream: str) -> Iterator[tuple[str, FaultyS3]]:
    """Yields the proxy's endpoint URL (127.0.0.1, a free port) and its state."""
    state = FaultyS3(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
