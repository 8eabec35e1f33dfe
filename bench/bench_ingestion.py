"""Ingestion benchmark: PutEvents calls for 1,000 records (packed vs naive vs floor) and handler CPU per record.

Run: .venv/bin/python bench/bench_ingestion.py   (prints ratios; nothing here is asserted)
The AWS client is an in-memory stub that accepts every entry; the secret is served from memory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import sys
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


class AcceptAll:
    """In-memory PutEvents that accepts everything and counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(n)} for n in range(len(Entries))]}


class Context:
    function_name = "bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def make_records(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """Varied sizes: 2% large (~150 KB: one per call), the rest 0.3-3 KB."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pad = 150_000 if i % 100 in (0, 1) else rng.randint(0, 2_500)
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

    records = make_records(1000)
    body = json.dumps(records).encode()
    event = {
        "version": "2.0", "routeKey": "POST /events", "rawPath": "/events", "rawQueryString": "",
        "headers": {"content-type": "application/json", "x-hub-signature-256": sign(body, SECRET)},
        "requestContext": {"http": {"method": "POST", "path": "/events"}, "requestId": "bench", "stage": "$default"},
        "body": body.decode(), "isBase64Encoded": False,
    }
    ctx = Context()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        response = h.handler(event, ctx)
    assert response["statusCode"] == 200, response
    packed = stub.calls
    from genesys_audit.ingestion.normalize import build_entries, to_details

    entries = build_entries(to_details(records, max_records=10_000), source=h.SETTINGS.source,
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


if __name__ == "__main__":
    main()
