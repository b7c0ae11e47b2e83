"""A fault-injecting HTTP proxy in front of the moto server, given to `newsetl run` as its
`--endpoint-url`.

Requests are forwarded unchanged: method, raw path and query, every header (Host included: moto
does not check SigV4 signatures, and path-style addressing on 127.0.0.1 works with the proxy's
own Host), and the body. Rules, set per test, replace or damage the answer:

- `throttle(key, times)`: 503 SlowDown (S3's XML error) on the first `times` GETs of a key;
  `throttle_every(k)`: on every k-th object GET of the run, whatever the key;
- `reset(key, times)`: the headers and half the body, then a TCP reset;
- `truncate(key, times)`: Content-Length of the whole body, half of it sent, then a clean close;
- `fail_list(times, status)`: an S3 error on the first `times` attempts of every
  ListObjectsV2 request (each page, each prefix, counted by its query string);
- `slow(seconds, key=None, times=None)`: the answer held back a while;
- `deny(key)`: 403 AccessDenied on every GET of a key, until `allow(key)`;
- `block(key)`: the first GET of a key waits until the test calls `release()` on the returned
  gate (whose `arrived` event says the GET is there), to make races deterministic.

Every request is counted per method and key (`gets(key)`, `lists()`), faulted or not.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}
LIST = "<list>"  # the key under which ListObjectsV2 requests are counted


def s3_error(code: str, message: str, resource: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<Resource>{resource}</Resource><RequestId>s3proxy-fault</RequestId></Error>"
    ).encode()


ERRORS = {
    503: ("SlowDown", "Please reduce your request rate."),
    500: ("InternalError", "We encountered an internal error. Please try again."),
    403: ("AccessDenied", "Access Denied"),
}


@dataclass
class Gate:
    """One blocked GET: `arrived` is set when it reaches the proxy; `release()` lets it go on."""

    key: str
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    used: bool = False

    def release(self) -> None:
        self.released.set()

    def wait_arrived(self, timeout: float = 120, unless=lambda: False) -> None:
        """Wait for the GET; give up early when `unless()` says it will never come."""
        deadline = time.monotonic() + timeout
        while not self.arrived.wait(0.2):
            if unless():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no GET of {self.key!r} reached the proxy in {timeout:g} s")


@dataclass
class Rule:
    action: str  # error | reset | truncate | slow
    key: str | None  # None: any object GET
    remaining: int | None  # None: always
    status: int = 0
    seconds: float = 0.0
    every: int = 0  # every k-th object GET instead of a key's first attempts
    kind: str = "object"  # object | list
    per_query: bool = False  # list rules: the first `remaining` attempts of each query


@dataclass
class Request:
    method: str
    kind: str  # object | list | bucket | other
    bucket: str
    key: str
    query: str = ""


def classify(method: str, raw_path: str) -> Request:
    parts = urlsplit(raw_path)
    path = parts.path.lstrip("/")
    bucket, _, key = path.partition("/")
    key = unquote(key)
    if key:
        return Request(method, "object", unquote(bucket), key)
    query = parse_qs(parts.query, keep_blank_values=True)
    if method == "GET" and "list-type" in query:
        canonical = "&".join(f"{k}={v}" for k, vs in sorted(query.items()) for v in vs)
        return Request(method, "list", unquote(bucket), LIST, canonical)
    return Request(method, "bucket" if bucket else "other", unquote(bucket), "")


class S3Proxy:
    def __init__(self, upstream: str):
        target = urlsplit(upstream)
        self.upstream_host = target.hostname or "127.0.0.1"
        self.upstream_port = target.port or 80
        self.counts: Counter[tuple[str, str]] = Counter()
        self.faults: Counter[tuple[str, str]] = Counter()  # (action, key) that fired
        self.rules: list[Rule] = []
        self.denied: set[str] = set()
        self.gates: dict[str, Gate] = {}
        self._object_gets = 0
        self._list_attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.errors: list[str] = []  # the proxy's own failures (a test asserts there are none)
        self.server.handle_error = self._handle_error
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle_error(self, request: object, address: object) -> None:
        """Connection errors are the faults themselves; anything else is a bug of the proxy."""
        import sys
        import traceback

        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            self.errors.append(traceback.format_exc())

    # --- life ------------------------------------------------------------------------------

    def start(self) -> S3Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        for gate in self.gates.values():
            gate.release()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> S3Proxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- rules -----------------------------------------------------------------------------

    def _add(self, rule: Rule) -> None:
        with self._lock:
            self.rules.append(rule)

    def throttle(self, key: str, times: int = 1) -> None:
        self._add(Rule("error", key, times, status=503))

    def throttle_every(self, k: int) -> None:
        self._add(Rule("error", None, None, status=503, every=k))

    def reset(self, key: str, times: int = 1) -> None:
        self._add(Rule("reset", key, times))

    def truncate(self, key: str, times: int = 1) -> None:
        self._add(Rule("truncate", key, times))

    def fail_list(self, times: int = 1, status: int = 500) -> None:
        self._add(Rule("error", LIST, times, status=status, kind="list", per_query=True))

    def slow(self, seconds: float, key: str | None = None, times: int | None = None) -> None:
        self._add(Rule("slow", key, times, seconds=seconds))

    def deny(self, key: str) -> None:
        with self._lock:
            self.denied.add(key)

    def allow(self, key: str) -> None:
        with self._lock:
            self.denied.discard(key)

    def block(self, key: str) -> Gate:
        gate = Gate(key)
        with self._lock:
            self.gates[key] = gate
        return gate

    def clear(self) -> None:
        """No more faults (counts are kept)."""
        with self._lock:
            self.rules.clear()
            self.denied.clear()
        for gate in self.gates.values():
            gate.release()

    # --- counts ----------------------------------------------------------------------------

    def gets(self, key: str) -> int:
        return self.counts[("GET", key)]

    def lists(self) -> int:
        return self.counts[("GET", LIST)]

    def pending(self) -> list[Rule]:
        """Per-key faults planned but not (all) served yet."""
        with self._lock:
            return [
                rule
                for rule in self.rules
                if rule.remaining and not rule.per_query and not rule.every
            ]

    def object_gets(self) -> int:
        return sum(n for (method, key), n in self.counts.items() if method == "GET" and key != LIST)

    # --- the decision for one request ------------------------------------------------------

    def _decide(self, request: Request) -> tuple[list[Rule], Gate | None, bool]:
        """The rules that fire for this request, its gate, whether it is denied."""
        with self._lock:
            self.counts[(request.method, request.key)] += 1
            if request.method != "GET" or request.kind not in ("object", "list"):
                return [], None, False
            if request.kind == "object":
                self._object_gets += 1
            else:
                self._list_attempts[request.query] += 1
            nth = self._object_gets
            fired: list[Rule] = []
            for rule in self.rules:
                if rule.kind != request.kind:
                    continue
                if rule.every:
                    if request.kind == "object" and nth % rule.every == 0:
                        fired.append(rule)
                    continue
                if rule.key is not None and rule.key != request.key:
                    continue
                if rule.per_query:
                    if self._list_attempts[request.query] <= (rule.remaining or 0):
                        fired.append(rule)
                    continue
                if rule.remaining is not None:
                    if rule.remaining <= 0:
                        continue
                    rule.remaining -= 1
                fired.append(rule)
            gate = self.gates.get(request.key)
            if gate is not None and gate.used:
                gate = None
            elif gate is not None:
                gate.used = True
            denied = request.key in self.denied
            for rule in fired:
                self.faults[(rule.action, request.key)] += 1
            if denied:
                self.faults[("deny", request.key)] += 1
        return fired, gate, denied

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _error(self, status: int, request: Request) -> None:
                code, message = ERRORS[status]
                body = s3_error(code, message, urlsplit(self.path).path)
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("x-amz-request-id", "s3proxy-fault")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _upstream(self, body: bytes | None) -> tuple[int, list[tuple[str, str]], bytes]:
                conn = http.client.HTTPConnection(
                    proxy.upstream_host, proxy.upstream_port, timeout=60
                )
                try:
                    # Every header as sent, Host included (http.client then adds none of its own).
                    conn.putrequest(
                        self.command, self.path, skip_host=True, skip_accept_encoding=True
                    )
                    for name, value in self.headers.items():
                        conn.putheader(name, value)
                    conn.endheaders(body)
                    response = conn.getresponse()
                    data = response.read()
                    return response.status, response.getheaders(), data
                finally:
                    conn.close()

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                request = classify(self.command, self.path)
                fired, gate, denied = proxy._decide(request)
                if gate is not None:
                    gate.arrived.set()
                    gate.released.wait(timeout=300)
                for rule in fired:
                    if rule.action == "slow":
                        time.sleep(rule.seconds)
                if denied:
                    return self._error(403, request)
                for rule in fired:
                    if rule.action == "error":
                        return self._error(rule.status, request)
                status, headers, data = self._upstream(body)
                damage = next((r.action for r in fired if r.action in ("reset", "truncate")), None)
                if status != 200 or self.command == "HEAD" or len(data) < 2:
                    damage = None
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                if damage is None:
                    self.wfile.write(data)
                    return
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                if damage == "reset":  # SO_LINGER 0: close() sends RST instead of FIN
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                else:
                    self.connection.shutdown(socket.SHUT_WR)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler
