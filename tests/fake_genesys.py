"""A fake Genesys Cloud API on 127.0.0.1 (a real HTTP server in a thread), and helpers for the moto side.

The fake serves what the SDK calls: `POST /oauth/token` (client credentials, Basic auth), the realtime
query (pageNumber/pageSize), the async query (transaction, status polls, cursor-paged results) and the
service mappings, with response shapes from the SDK models (`AuditRealtimeQueryResultsResponse`,
`AuditQueryExecutionStatusResponse`, `AuditQueryExecutionResultsResponse`, `AuditLogMessage`) and the
reference sample `rest/audits_query_realtime_response.json`. Faults: 429 with Retry-After, 401 on login,
403 on the audit endpoints, and a hard failure after N audit pages (an interrupted run).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

CLIENT_ID = "backfill-client"
CLIENT_SECRET = "backfill-secret"
TOKEN = "fake-access-token"
BUS = "genesys-audit-backfill"
SOURCE = "genesys.audit.webhook"
DETAIL_TYPE = "v2.audits.entitytype.{id}.entityid.{id}"
ORG = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
# "now" for every test: the realtime endpoint covers the last 14 days before it
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def rest_record(n: int, when: datetime, *, service: str = "PeoplePermissions", entity_type: str = "OAuthClient",
                action: str = "Update", user: bool = True) -> dict[str, Any]:
    """A REST AuditLogMessage shaped like the reference sample (expand=user)."""
    record: dict[str, Any] = {
        "id": f"9e8d7c6b-{n:04d}-4f00-8a00-aa{n:010d}",
        "userHomeOrgId": ORG,
        "user": {"id": f"a1b2c3d4-1111-4a4a-8b8b-{n:012d}", "name": f"User {n}",
                 "selfUri": f"/api/v2/users/a1b2c3d4-1111-4a4a-8b8b-{n:012d}"} if user else {"id": ""},
        "client": {"id": ""} if user else {"id": "c3d4e5f6-3333-4c4c-8d8d-000000000003",
                                           "selfUri": "/api/v2/oauth/clients/c3d4e5f6-3333-4c4c-8d8d-000000000003"},
        "remoteIp": ["198.51.100.23"],
        "serviceName": service,
        "level": "USER" if user else "SYSTEM",
        "eventDate": iso(when),
        "action": action,
        "entity": {"id": f"f6a7b8c9-6666-4f6f-9a9a-{n:012d}", "name": f"Entity {n}"},
        "entityType": entity_type,
        "status": "SUCCESS",
        "application": "",
        "initiatingAction": {},
        "transactionInitiator": False,
        "propertyChanges": [{"property": "description", "oldValues": [f"old {n}"], "newValues": [f"new {n}"]}],
        "context": {},
        "entityChanges": [],
    }
    return record


@dataclass
class FakeGenesys:
    """State and faults of the fake API; `url` is its base URL."""

    records: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    rate_limit_next: int = 0  # this many audit calls get 429 first
    retry_after: str | None = "0"
    forbid: bool = False
    fail_after_pages: int | None = None  # audit pages served before every further page fails (400)
    status_polls: int = 1  # "Running" answers before "Succeeded"
    token_page: str | None = None  # answer /oauth/token with this HTML instead (not a Genesys login host)
    pages_served: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    logins: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def matching(self, interval: str, service: str | None) -> list[dict[str, Any]]:
        start_text, _, end_text = interval.partition("/")
        start = datetime.fromisoformat(start_text)
        end = datetime.fromisoformat(end_text)
        out = [r for r in self.records
               if start <= datetime.fromisoformat(r["eventDate"]) < end
               and (service is None or r["serviceName"] == service)]
        return sorted(out, key=lambda r: (r["eventDate"], r["id"]))


class Handler(BaseHTTPRequestHandler):
    """Routes of the fake API; `fake` is bound per server."""

    fake: FakeGenesys

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        self._route("POST")

    def do_GET(self) -> None:
        self._route("GET")

    def _route(self, method: str) -> None:
        fake = self.fake
        parsed = urlparse(self.path)
        path = parsed.path
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        body = self._body()
        with fake.lock:
            fake.requests.append((method, path))
        if path == "/oauth/token" and method == "POST":
            self._token(body)
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"message": "Invalid login credentials.", "code": "bad.credentials", "status": 401})
            return
        if fake.forbid:
            self._send(403, {"message": "You are not authorized to perform the requested action.",
                             "code": "missing.permissions", "status": 403})
            return
        with fake.lock:
            if fake.rate_limit_next > 0:
                fake.rate_limit_next -= 1
                headers = {"Retry-After": fake.retry_after} if fake.retry_after is not None else {}
                self._send(429, {"message": "Rate limit exceeded the maximum. Retry the request in [0] seconds",
                                 "code": "too.many.requests", "status": 429}, headers)
                return
        if path.endswith("/servicemapping") and method == "GET":
            names = sorted({r["serviceName"] for r in fake.records})
            self._send(200, {"services": [{"name": n, "entities": [{"name": "OAuthClient", "actions": ["Update"]}]}
                                          for n in names]})
        elif path == "/api/v2/audits/query/realtime" and method == "POST":
            self._realtime(json.loads(body), query)
        elif path == "/api/v2/audits/query" and method == "POST":
            req = json.loads(body)
            tx = str(uuid.uuid4())
            with fake.lock:
                fake.transactions[tx] = {"request": req, "polls": 0}
            self._send(202, {"id": tx, "state": "Queued", "startDate": "2026-11-24T12:00:00Z",
                             "interval": req["interval"], "serviceName": req.get("serviceName"),
                             "sort": req.get("sort")})
        elif path.startswith("/api/v2/audits/query/") and path.endswith("/results") and method == "GET":
            self._results(path.split("/")[-2], query)
        elif path.startswith("/api/v2/audits/query/") and method == "GET":
            tx = path.rsplit("/", 1)[-1]
            t = fake.transactions.get(tx)
            if t is None:
                self._send(404, {"message": f"transaction {tx} not found", "status": 404})
                return
            t["polls"] += 1
            state = "Succeeded" if t["polls"] > fake.status_polls else "Running"
            self._send(200, {"id": tx, "state": state, "interval": t["request"]["interval"]})
        else:
            self._send(404, {"message": f"no route {method} {path}", "status": 404})

    def _token(self, body: bytes) -> None:
        fake = self.fake
        if fake.token_page is not None:
            raw = fake.token_page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        expected = "Basic " + base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()
        form = parse_qs(body.decode())
        if self.headers.get("Authorization") != expected or form.get("grant_type") != ["client_credentials"]:
            self._send(401, {"error": "invalid_client", "description": "authentication failed",
                             "error_description": "authentication failed"})
            return
        with fake.lock:
            fake.logins += 1
        self._send(200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86399})

    def _page_allowed(self) -> bool:
        fake = self.fake
        with fake.lock:
            if fake.fail_after_pages is not None and fake.pages_served >= fake.fail_after_pages:
                return False
            fake.pages_served += 1
            return True

    def _realtime(self, req: dict[str, Any], query: dict[str, str]) -> None:
        assert query.get("expand") == "user", query
        if not self._page_allowed():
            self._send(400, {"message": "injected failure", "status": 400})
            return
        rows = self.fake.matching(req["interval"], req.get("serviceName"))
        size = int(req.get("pageSize") or 25)
        number = int(req.get("pageNumber") or 1)
        chunk = rows[(number - 1) * size: number * size]
        self._send(200, {"entities": chunk, "pageSize": size, "pageNumber": number, "total": len(rows),
                         "pageCount": (len(rows) + size - 1) // size})

    def _results(self, tx: str, query: dict[str, str]) -> None:
        t = self.fake.transactions.get(tx)
        if t is None:
            self._send(404, {"message": "not found", "status": 404})
            return
        if not self._page_allowed():
            self._send(400, {"message": "injected failure", "status": 400})
            return
        rows = self.fake.matching(t["request"]["interval"], t["request"].get("serviceName"))
        size = int(query.get("pageSize") or 25)
        offset = int(base64.b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
        chunk = rows[offset: offset + size]
        out: dict[str, Any] = {"id": tx, "pageSize": size, "entities": chunk}
        if offset + size < len(rows):
            out["cursor"] = base64.b64encode(str(offset + size).encode()).decode()
        self._send(200, out)


@dataclass
class Aws:
    """moto: the custom bus, a rule on the audit detail-type and webhook source -> SQS, a trail log group."""

    events: Any
    sqs: Any
    logs: Any
    queue_url: str

    def delivered(self) -> list[dict[str, Any]]:
        """Drain the queue: the events the rule delivered."""
        out: list[dict[str, Any]] = []
        while True:
            msgs = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not msgs:
                return out
            for msg in msgs:
                out.append(json.loads(msg["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=msg["ReceiptHandle"])


def hours_of_records(start: datetime, hours: int, per_hour: int, *, services: tuple[str, ...] = ("PeoplePermissions",),
                     first: int = 0) -> list[dict[str, Any]]:
    """`per_hour` records in each of `hours` hours from `start`, spread over `services`."""
    out = []
    n = first
    for h in range(hours):
        for k in range(per_hour):
            when = start + timedelta(hours=h, minutes=(k * 7) % 60, seconds=k)
            out.append(rest_record(n, when, service=services[n % len(services)]))
            n += 1
    return out
