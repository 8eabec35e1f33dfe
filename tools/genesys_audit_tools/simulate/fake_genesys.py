"""A fake Genesys Cloud API on 127.0.0.1 (a real HTTP server in a thread), and helpers for the moto side.

The fake serves what the SDK calls: `POST /oauth/token` (client credentials, Basic auth), the realtime
query (pageNumber/pageSize), the async query (transaction, status polls, cursor-paged results) and the
service mappings, with response shapes from the SDK models (`AuditRealtimeQueryResultsResponse`,
`AuditQueryExecutionStatusResponse`, `AuditQueryExecutionResultsResponse`, `AuditLogMessage`) and the
reference sample `rest/audits_query_realtime_response.json`. Faults: 429 with Retry-After, 401 on login,
403 on the audit endpoints, and a hard failure after N audit pages (an interrupted run).

For name enrichment it also serves the directory reads (`GET /api/v2/users/{id}`, `/api/v2/oauth/clients/{id}`,
`/api/v2/authorization/roles/{id}`, `/api/v2/authorization/divisions/{id}`, `/api/v2/routing/queues/{id}`...)
from `FakeGenesys.directory` (a path missing there answers 404, as for a deleted object), with a delay and
an injected status for slow or failing servers, and token expiry (`expire_tokens`: the issued token is
refused with 401 until the client logs in again). The backfill tests and the simulator (`make demo`) share it.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

CLIENT_ID = "backfill-client"
CLIENT_SECRET = "backfill-secret"  # noqa: S105 - the fake server's test credential
TOKEN = "fake-access-token"  # noqa: S105 - the fake server's token
BUS = "genesys-audit-backfill"
SOURCE = "genesys.audit.webhook"
DETAIL_TYPE = "v2.audits.entitytype.{id}.entityid.{id}"
ORG = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
DIRECTORY_PREFIXES = (
    "/api/v2/users/",
    "/api/v2/oauth/clients/",
    "/api/v2/authorization/roles/",
    "/api/v2/authorization/divisions/",
    "/api/v2/routing/queues/",
    "/api/v2/integrations/",
    "/api/v2/flows/",
    "/api/v2/groups/",
)
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
    # Directory reads (name enrichment): path -> JSON body; a path not listed answers 404 (deleted).
    directory: dict[str, dict[str, Any]] = field(default_factory=dict)
    directory_delay: float = 0.0  # seconds every directory read waits before answering (a slow server)
    slow_paths: dict[str, float] = field(default_factory=dict)  # path -> seconds that one read waits
    directory_status: int | None = None  # answer every directory read with this status instead (429, 503...)
    expires_in: int = 86399  # the token lifetime the login reports
    token_generation: int = 0  # bumped by `expire_tokens`: tokens issued before are refused with 401

    @property
    def token(self) -> str:
        """The access token the login hands out now (and the only one accepted)."""
        return TOKEN if self.token_generation == 0 else f"{TOKEN}-{self.token_generation}"

    def expire_tokens(self) -> None:
        """Every token issued so far expires: the next call with it gets 401 until the client logs in again."""
        with self.lock:
            self.token_generation += 1

    def directory_reads(self) -> list[str]:
        """Paths of the directory reads served so far (404s included), in order."""
        with self.lock:
            return [path for method, path in self.requests if method == "GET" and path.startswith(DIRECTORY_PREFIXES)]

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
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a slow-server test): nothing to answer

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
        if self.headers.get("Authorization") != f"Bearer {fake.token}":
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
        if path.startswith(DIRECTORY_PREFIXES) and method == "GET":
            self._directory(path)
        elif path.endswith("/servicemapping") and method == "GET":
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
            token = fake.token
        self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": fake.expires_in})

    def _directory(self, path: str) -> None:
        fake = self.fake
        delay = fake.directory_delay + fake.slow_paths.get(path, 0.0)
        if delay:
            time.sleep(delay)
        if fake.directory_status is not None:
            self._send(fake.directory_status, {"message": "injected failure", "status": fake.directory_status})
            return
        body = fake.directory.get(path)
        if body is None:
            self._send(404, {"message": f"{path} not found", "code": "not.found", "status": 404})
            return
        self._send(200, body)

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


@contextmanager
def serve(fake: FakeGenesys) -> Iterator[FakeGenesys]:
    """Serve `fake` on 127.0.0.1 (a free port) while the block runs; `fake.url` is its base URL."""
    handler = type("BoundHandler", (Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


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


ACTOR_ID = "a1b2c3d4-1111-4a4a-8b8b-000000000001"  # the acting user of the sample events
SLOW_USER_ID = "9f9f9f9f-0000-4000-8000-00000000e0e0"  # the service user of one sample: the demo answers it late


def sample_directory() -> dict[str, dict[str, Any]]:
    """Directory answers for the ids in the sample events (tests/fixtures/events): the acting user, the
    automation OAuth client and its role, the moved user, the divisions, the queue. The OAuth client the first
    sample deletes is absent (404: deleted)."""

    def user(ident: str, name: str, email: str, title: str, department: str) -> dict[str, Any]:
        return {"id": ident, "name": name, "email": email, "title": title, "department": department,
                "state": "active", "division": {"id": "1b2c3d4e-8888-4b8b-9c9c-000000000008", "name": "Home"}}

    return {
        f"/api/v2/users/{ACTOR_ID}": user(ACTOR_ID, "Jane Doe", "jane.doe@example.com", "Contact Center Admin",
                                          "IT Security"),
        f"/api/v2/users/{SLOW_USER_ID}": user(SLOW_USER_ID, "Bulk Maintenance", "svc-bulk@example.com", "Service user",
                                              "IT"),
        "/api/v2/users/b2c3d4e5-2222-4b4b-9c9c-000000000002": user(
            "b2c3d4e5-2222-4b4b-9c9c-000000000002", "Sam Agent", "sam.agent@example.com", "Agent", "Support"),
        "/api/v2/oauth/clients/d4e5f6a7-4444-4d4d-9e9e-000000000004": {
            "id": "d4e5f6a7-4444-4d4d-9e9e-000000000004", "name": "WFM Automation",
            "authorizedGrantType": "CLIENT_CREDENTIALS",
            "roleDivisions": [{"roleId": "0a1b2c3d-7777-4a7a-8b8b-000000000007",
                               "divisionId": "1b2c3d4e-8888-4b8b-9c9c-000000000008"}]},
        "/api/v2/oauth/clients/e5f6a7b8-5555-4e5e-8f8f-000000000005": {
            "id": "e5f6a7b8-5555-4e5e-8f8f-000000000005", "name": "WFM Export Integration",
            "authorizedGrantType": "CLIENT_CREDENTIALS", "roleDivisions": []},
        "/api/v2/oauth/clients/c9d8e7f6-3333-4c4c-8d8d-00000000000c": {
            "id": "c9d8e7f6-3333-4c4c-8d8d-00000000000c", "name": "Billing Sync Integration",
            "authorizedGrantType": "CLIENT_CREDENTIALS", "roleDivisions": []},
        "/api/v2/authorization/roles/0a1b2c3d-7777-4a7a-8b8b-000000000007": {
            "id": "0a1b2c3d-7777-4a7a-8b8b-000000000007", "name": "Master Admin"},
        "/api/v2/authorization/divisions/1b2c3d4e-8888-4b8b-9c9c-000000000008": {
            "id": "1b2c3d4e-8888-4b8b-9c9c-000000000008", "name": "Home"},
        "/api/v2/authorization/divisions/2c3d4e5f-9999-4c9c-8d8d-000000000009": {
            "id": "2c3d4e5f-9999-4c9c-8d8d-000000000009", "name": "Restricted - Finance"},
        "/api/v2/routing/queues/f6a7b8c9-6666-4f6f-9a9a-000000000006": {
            "id": "f6a7b8c9-6666-4f6f-9a9a-000000000006", "name": "Support - Tier 1"},
    }


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
