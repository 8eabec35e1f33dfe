"""Ingestion benchmark: PutEvents calls for 1,000 records (packed vs naive vs floor), handler CPU per record, and
the wall time of the largest request the handler accepts when PutEvents answers in 20 ms.

Run: .venv/bin/python bench/bench_ingestion.py   (prints ratios; nothing here is asserted)
For calls and CPU the AWS client is an in-memory stub that accepts every entry. For the wall time it is a real
botocore client (request serialisation, SigV4 signing and response parsing included) whose HTTP send is
replaced by a botocore `before-send` hook that sleeps 20 ms and accepts every entry. The secret is served from
memory.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lambda_src"))
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "EVENT_BUS_NAME": "genesys-audit-bench",
        "WEBHOOK_SECRET_ARN": "bench-secret",
        "POWERTOOLS_METRICS_NAMESPACE": "GenesysAuditBench",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)

SECRET = "bench-secret-value"
FUNCTION_TIMEOUT_S = 10  # modules/webhook-ingestion variable "timeout" default


class AcceptAll:
    """In-memory PutEvents that accepts everything and counts calls (thread-safe: calls run concurrently)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(n)} for n in range(len(Entries))]}


CALL_LATENCY_S = 0.020


def slow_events_client() -> Any:
    """A real botocore EventBridge client whose PutEvents answers after 20 ms, accepting every entry."""
    from botocore.awsrequest import AWSResponse

    from genesys_audit.awsclient import make_client

    client = make_client("events", max_attempts=1)

    def answer(request: Any, **_: Any) -> AWSResponse:
        entries = json.loads(request.body)["Entries"]
        time.sleep(CALL_LATENCY_S)
        body = json.dumps({"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in entries]})
        raw = _Raw(body.encode())
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, raw)

    client.meta.events.register("before-send.events.PutEvents", answer)
    return client


class _Raw:
    """The raw body AWSResponse streams from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


class Context:
    function_name = "bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:bench"
    aws_request_id = "bench"

    def __init__(self, timeout_ms: int = 30_000) -> None:
        self.timeout_ms = timeout_ms
        self.start = time.monotonic()

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.timeout_ms - (time.monotonic() - self.start) * 1000))


def largest_accepted(max_records: int, max_body_bytes: int) -> list[dict[str, Any]]:
    """`max_records` records of equal size whose JSON array is just under `max_body_bytes`."""
    records = make_records(max_records, large=False)
    for record in records:
        record["propertyChanges"][0]["oldValues"] = [""]
    base = len(json.dumps(records).encode())
    pad = max(0, (max_body_bytes - base) // max_records - 8)
    for record in records:
        record["propertyChanges"][0]["oldValues"] = ["o" * pad]
    return records


def make_records(n: int, seed: int = 1, *, large: bool = True) -> list[dict[str, Any]]:
    """Varied sizes: 2% large (~150 KB: one per call), the rest 0.3-3 KB."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pad = 150_000 if large and i % 100 in (0, 1) else rng.randint(0, 2_500)
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "userId": "a1b2c3d4-1111-4a4a-8b8b-000000000001",
                "clientId": {"id": "c3d4e5f6-3333-4c4c-8d8d-000000000003"},
                "serviceName": "PeoplePermissions",
                "eventTime": "2026-11-24T20:00:00.000Z",
                "action": rng.choice(["Update", "Delete", "Create", "MemberAdd"]),
                "entityType": rng.choice(["OAuthClient", "Role", "User", "Queue"]),
                "entity": {"id": str(uuid.UUID(int=rng.getrandbits(128))), "name": "x"},
                "remoteIp": ["192.0.2.10"],
                "propertyChanges": [{"property": "description", "oldValues": ["o" * pad], "newValues": ["n"]}],
            }
        )
    return out


def next_fit_calls(sizes: list[int], limits: Any) -> int:
    """Calls for the common in-order approach: start a new call when 10 entries or 256 KB would be exceeded."""
    calls, count, used = 0, 0, 0
    for size in sizes:
        if calls == 0 or count == limits.max_entries or used + size > limits.max_request_bytes:
            calls, count, used = calls + 1, 0, 0
        count, used = count + 1, used + size
    return calls


def main() -> None:
    import ingestion.handler as h
    from genesys_audit.ingestion.putevents import PutEventsLimits, entry_size, lower_bound
    from genesys_audit.ingestion.signature import sign

    stub = AcceptAll()
    h.EVENTS = stub
    h._secrets = lambda: (SECRET,)

    def http_event(body: bytes) -> dict[str, Any]:
        return {
            "version": "2.0", "routeKey": "POST /events", "rawPath": "/events", "rawQueryString": "",
            "headers": {"content-type": "application/json", "x-hub-signature-256": sign(body, SECRET)},
            "requestContext": {"http": {"method": "POST", "path": "/events"}, "requestId": "bench",
                               "stage": "$default"},
            "body": body.decode(), "isBase64Encoded": False,
        }

    records = make_records(1000)
    body = json.dumps(records).encode()
    event = http_event(body)
    ctx = Context()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        response = h.handler(event, ctx)
    assert response["statusCode"] == 200, response
    packed = stub.calls
    from genesys_audit.ingestion.normalize import build_entries, to_details

    entries = build_entries(to_details(records, max_records=len(records)), source=h.SETTINGS.source,
                            detail_type=h.SETTINGS.detail_type)
    sizes = [entry_size(e) for e in entries]
    floor = lower_bound(sizes, PutEventsLimits())
    naive = len(records)
    chunked = next_fit_calls(sizes, PutEventsLimits())
    print(f"records: {len(records)}  body: {len(body):,} bytes  entry bytes: {sum(sizes):,}")
    print(f"PutEvents calls  packed (FFD): {packed}  |  naive one-per-event: {naive}  |  "
          f"in-order next-fit: {chunked}  |  floor: {floor}")
    print(f"packed / floor = {packed / floor:.2f}  (target 1.00); naive / packed = {naive / packed:.1f}x")

    iterations = 20
    with contextlib.redirect_stdout(sink):
        t0 = time.process_time()
        for _ in range(iterations):
            sink.seek(0)
            sink.truncate()
            h.handler(event, ctx)
        handler_cpu = (time.process_time() - t0) / iterations
    t0 = time.process_time()
    for _ in range(iterations):
        json.dumps(json.loads(body))
    bare_cpu = (time.process_time() - t0) / iterations
    print(f"handler CPU per record: {handler_cpu / len(records) * 1e6:.1f} us  |  "
          f"json.loads+json.dumps per record: {bare_cpu / len(records) * 1e6:.1f} us  |  "
          f"ratio {handler_cpu / bare_cpu:.2f}x  (target <= 2x)")
    largest_request_wall_time(h, http_event, sink)


def largest_request_wall_time(h: Any, http_event: Any, sink: io.StringIO) -> None:
    """The largest request the handler accepts, PutEvents answering in 20 ms, against the module's default
    function timeout; the same request with one call at a time beside it."""
    timeout_s = FUNCTION_TIMEOUT_S
    largest = largest_accepted(h.SETTINGS.max_records, h.SETTINGS.max_body_bytes)
    big_body = json.dumps(largest).encode()
    assert len(big_body) <= h.SETTINGS.max_body_bytes, len(big_body)
    big_event = http_event(big_body)
    h.EVENTS = slow_events_client()
    walls = {}
    settings = h.SETTINGS
    for label, concurrency in (("sequential", 1), ("concurrent", settings.putevents_concurrency)):
        h.SETTINGS = settings.__class__(**{**settings.__dict__, "putevents_concurrency": concurrency})
        with contextlib.redirect_stdout(sink):
            t0 = time.monotonic()
            response = h.handler(big_event, Context(timeout_s * 1000))
            walls[label] = time.monotonic() - t0
        assert response["statusCode"] == 200, response
    h.SETTINGS = settings
    calls = math.ceil(len(largest) / 10)
    print(f"largest accepted request: {len(largest)} records, {len(big_body):,} bytes, >= {calls} PutEvents calls "
          f"at {CALL_LATENCY_S * 1000:.0f} ms each")
    print(f"wall time  {settings.putevents_concurrency} concurrent: {walls['concurrent']:.2f} s  |  one at a time: "
          f"{walls['sequential']:.2f} s  |  function timeout {timeout_s} s")
    print(f"concurrent / function timeout = {walls['concurrent'] / timeout_s:.2f}  (target <= 0.50); "
          f"one at a time / function timeout = {walls['sequential'] / timeout_s:.2f}")


if __name__ == "__main__":
    main()
