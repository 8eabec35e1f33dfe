"""HTTP receivers on 127.0.0.1 standing in for Slack, Teams, PagerDuty and Splunk HEC."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request a receiver got."""

    path: str
    headers: dict[str, str]
    body: Any
    method: str = "POST"
    at: float = 0.0  # time.monotonic() when the request arrived


@dataclass
class Receiver:
    """A threaded HTTP server recording every POST; answers like the service it stands in for."""

    requests: list[Received] = field(default_factory=list)
    # Statuses to answer, per path prefix, before answering normally again (fault injection).
    faults: dict[str, list[int]] = field(default_factory=dict)
    # Seconds to wait before answering, per path prefix (a slow or stalled service); released by stop().
    delays: dict[str, float] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def fail_next(self, prefix: str, *statuses: int) -> None:
        """Answer the next requests under `prefix` with `statuses`, in order (429 carries `Retry-After: 0`,
        a 3xx a `Location` to `/redirected` on this receiver, which answers GETs with 200)."""
        with self._lock:
            self.faults.setdefault(prefix, []).extend(statuses)

    def delay(self, prefix: str, seconds: float) -> None:
        """Answer every request under `prefix` only after `seconds` (a large value stalls it until stop())."""
        with self._lock:
            self.delays[prefix] = seconds

    def _delay(self, path: str) -> float:
        with self._lock:
            return max((s for prefix, s in self.delays.items() if path.startswith(prefix)), default=0.0)

    def _fault(self, path: str) -> int | None:
        with self._lock:
            for prefix, statuses in self.faults.items():
                if path.startswith(prefix) and statuses:
                    return statuses.pop(0)
        return None

    def start(self) -> Receiver:
        """Listen on an ephemeral loopback port."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.requests.append(Received(self.path, dict(self.headers), None, "GET", time.monotonic()))
                self._answer(200, {"ok": True})

            def do_POST(self) -> None:
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                receiver.requests.append(Received(self.path, dict(self.headers), body, "POST", arrived))
                if receiver._stopping.wait(receiver._delay(self.path)):
                    return  # stopped while stalling: never answer
                fault = receiver._fault(self.path)
                reply = {"error": "injected fault"} if fault else _reply(self.path)
                self._answer(fault or (202 if self.path.startswith("/pagerduty") else 200), reply, fault)

            def _answer(self, status: int, reply: dict[str, Any], fault: int | None = None) -> None:
                payload = json.dumps(reply).encode()
                self.send_response(status)
                if fault == 429:
                    self.send_header("Retry-After", "0")
                if fault is not None and 300 <= fault < 400:
                    self.send_header("Location", f"{receiver.base_url}/redirected")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def on(self, prefix: str) -> list[Received]:
        """Requests whose path starts with `prefix`."""
        return [r for r in self.requests if r.path.startswith(prefix)]

    def stop(self) -> None:
        """Shut the server down."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _reply(path: str) -> dict[str, Any]:
    if path.startswith("/pagerduty"):
        return {"status": "success", "message": "Event processed", "dedup_key": "simulated"}
    if path.startswith("/services/collector"):
        return {"text": "Success", "code": 0}
    return {"ok": True}
