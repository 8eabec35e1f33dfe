"""Ingestion handler end to end in moto: custom bus -> rule -> SQS sink, secrets in Secrets Manager."""

from __future__ import annotations

import base64
import json
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from genesys_audit.ingestion.putevents import PutEventsLimits, entry_size, lower_bound

if TYPE_CHECKING:
    from conftest import IngestionHarness

INGESTION_SOURCE = "genesys.audit.webhook"
WEBHOOK_SECRET_CURRENT = "current-secret-for-tests"
WEBHOOK_SECRET_PREVIOUS = "previous-secret-for-tests"


def record(n: int, pad: int = 0) -> dict[str, Any]:
    """An OAuthClient audit record; `pad` bytes of filler in a property change vary its size."""
    return {
        "id": f"audit-{n:05d}",
        "userId": "a1b2c3d4-1111-4a4a-8b8b-000000000001",
        "clientId": {"id": "c3d4e5f6-3333-4c4c-8d8d-000000000003"},
        "serviceName": "PeoplePermissions",
        "eventTime": "2026-11-24T20:00:00.000Z",
        "action": "Update",
        "entityType": "OAuthClient",
        "entity": {"id": f"entity-{n}", "name": "client"},
        "remoteIp": ["192.0.2.10"],
        "propertyChanges": [{"property": "description", "oldValues": ["x" * pad], "newValues": ["y"]}],
    }


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["detail"]["eventBody"]["id"] for e in events]


def test_harness_constants_match(ingestion: IngestionHarness) -> None:
    assert (ingestion.SOURCE, ingestion.SECRET_CURRENT, ingestion.SECRET_PREVIOUS) == (
        INGESTION_SOURCE, WEBHOOK_SECRET_CURRENT, WEBHOOK_SECRET_PREVIOUS,
    )


def test_health(ingestion: IngestionHarness) -> None:
    status, body = ingestion.invoke(ingestion.http_event("GET", "/health", b"", {}))
    assert (status, body) == (200, {"status": "ok"})
    assert ingestion.events.calls == []


def test_single_record_delivered_in_partner_shape(ingestion: IngestionHarness) -> None:
    status, body = ingestion.post(record(1))
    assert status == 200, body
    assert body == {"message": "accepted", "received": 1, "put": 1}
    [event] = ingestion.delivered()
    assert event["source"] == INGESTION_SOURCE
    assert event["detail-type"] == "v2.audits.entitytype.{id}.entityid.{id}"
    detail = event["detail"]
    assert set(detail) == {"topicName", "version", "eventBody", "metadata", "timestamp"}
    assert detail["topicName"] == "v2.audits.entitytype.OAuthClient.entityid.entity-1"
    assert detail["version"] == "2"
    assert detail["eventBody"] == record(1)


def test_genesys_sample_envelopes_pass_through(ingestion: IngestionHarness, genesys_samples_dir: Path) -> None:
    samples = [json.loads(p.read_text()) for p in sorted(genesys_samples_dir.glob("*.json"))]
    envelopes = [s["detail"] for s in samples if str(s.get("detail-type", "")).startswith("v2.audits.")]
    assert envelopes, "no audit samples found"
    status, body = ingestion.post(envelopes)
    assert status == 200, body
    delivered = sorted((e["detail"] for e in ingestion.delivered()), key=lambda d: d["eventBody"].get("id", ""))
    assert delivered == sorted(envelopes, key=lambda d: d["eventBody"].get("id", ""))


def test_thousand_records_use_the_floor_number_of_calls(ingestion: IngestionHarness) -> None:
    rng = random.Random(7)
    # 20 large records (~150 KB: one per call) among small ones of varied size; the body stays under 5 MiB
    import boto3

    # no SQS sink for this one: moto's queue is quadratic in depth; the accepted EventIds are checked instead
    boto3.client("events").remove_targets(Rule="all-webhook", EventBusName="genesys-audit-test", Ids=["sink"])
    large = {n for n in range(1000) if n % 100 in (0, 1)}
    records = [record(n, pad=150_000 if n in large else rng.randint(0, 1500)) for n in range(1000)]
    status, body = ingestion.post(records)
    assert status == 200, body
    # what the handler built, sized the AWS way: the floor for these exact entries
    sizes = []
    for r in records:
        status_entry = {
            "Source": INGESTION_SOURCE,
            "DetailType": "v2.audits.entitytype.{id}.entityid.{id}",
            "Detail": json.dumps(
                {"topicName": f"v2.audits.entitytype.OAuthClient.entityid.{r['entity']['id']}", "version": "2",
                 "eventBody": r, "metadata": {}, "timestamp": "2026-11-24T20:00:00.000Z"},
                separators=(",", ":"), ensure_ascii=False),
        }
        sizes.append(entry_size(status_entry))
    floor = lower_bound(sizes, PutEventsLimits())
    assert len(ingestion.events.calls) == floor == 100
    # in arrival order, ten at a time, the large records would overflow 256 KB in some calls
    naive_overflows = sum(1 for k in range(0, 1000, 10) if sum(sizes[k:k + 10]) > 262_144)
    assert naive_overflows > 0
    # moto's SQS receive is quadratic in queue depth: check what the bus accepted rather than draining 1,000
    accepted = [d["eventBody"]["id"] for d in ingestion.events.accepted]
    assert sorted(accepted) == sorted(r["id"] for r in records)


def test_per_entry_failures_are_retried_once_each(ingestion: IngestionHarness) -> None:
    records = [record(n) for n in range(95)]
    ingestion.events.fail_once = lambda entry: json.loads(entry["Detail"])["eventBody"]["id"].endswith(("3", "7"))
    status, body = ingestion.post(records)
    assert status == 200, body
    delivered = ids(ingestion.delivered())
    assert len(delivered) == 95
    assert sorted(delivered) == sorted(r["id"] for r in records)  # exactly once each
    # first round 10 calls (sent concurrently: any order); the 19 failed entries are resent alone (2 calls),
    # never the accepted ones
    calls = ingestion.events.calls
    assert sorted(calls[:10]) == [5] + [10] * 9 and sorted(calls[10:]) == [9, 10]


def test_throttled_calls_are_retried(ingestion: IngestionHarness) -> None:
    ingestion.events.throttle_next = 3
    status, body = ingestion.post([record(n) for n in range(25)])
    assert status == 200, body
    assert sorted(ids(ingestion.delivered())) == [f"audit-{n:05d}" for n in range(25)]


def test_permanent_failure_answers_5xx_and_keeps_what_was_put(ingestion: IngestionHarness) -> None:
    ingestion.events.fail_always = lambda entry: '"audit-00004"' in entry["Detail"]
    status, body = ingestion.post([record(n) for n in range(8)])
    assert status == 502
    assert body["details"]["failed"] == 1 and body["details"]["accepted"] == 7
    assert body["details"]["errorCodes"] == ["AccessDeniedException"]
    assert "audit-00004" not in ids(ingestion.delivered())


def test_throttling_until_deadline_answers_503(ingestion: IngestionHarness) -> None:
    ingestion.events.throttle_next = 10_000
    ingestion.context.timeout_ms = 700  # 500 ms safety margin leaves ~0.2 s of retries
    ingestion.context._start = time.monotonic()
    status, body = ingestion.post([record(1)])
    assert status == 503
    assert "retry" in body["message"]
    assert ingestion.delivered() == []


def test_previous_secret_accepted_during_rotation(ingestion: IngestionHarness) -> None:
    status, _ = ingestion.post(record(1), secret=WEBHOOK_SECRET_PREVIOUS)
    assert status == 200
    assert ids(ingestion.delivered()) == ["audit-00001"]


def test_base64_digest_and_base64_body(ingestion: IngestionHarness) -> None:
    import hashlib
    import hmac

    raw = json.dumps([record(1), record(2)]).encode()
    digest = base64.b64encode(hmac.new(WEBHOOK_SECRET_CURRENT.encode(), raw, hashlib.sha256).digest()).decode()
    status, body = ingestion.post(raw, signature=f"sha256={digest}", b64=True)
    assert status == 200, body
    assert sorted(ids(ingestion.delivered())) == ["audit-00001", "audit-00002"]


@pytest.mark.parametrize(
    ("kwargs", "payload"),
    [
        ({"secret": "wrong-secret"}, None),
        ({"secret": None}, None),
        ({"signature": "sha256=" + "0" * 64}, None),
        ({"signature": "not-a-signature"}, None),
    ],
    ids=["wrong-secret", "missing-header", "zero-digest", "garbage"],
)
def test_bad_signature_401_without_detail(ingestion: IngestionHarness, kwargs: dict[str, Any], payload: Any) -> None:
    status, body = ingestion.post(payload or record(1), **kwargs)
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert ingestion.events.calls == []


def test_body_tampered_after_signing_401(ingestion: IngestionHarness) -> None:
    from genesys_audit.ingestion.signature import sign

    good = json.dumps(record(1)).encode()
    status, body = ingestion.post(json.dumps(record(2)).encode(), signature=sign(good, WEBHOOK_SECRET_CURRENT))
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert ingestion.events.calls == []


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"{not json", 400, "body is not valid JSON"),
        (b"", 400, "body is empty; expected a JSON audit record, envelope, or array of them"),
        (b"[]", 400, "body is an empty array; expected at least one audit record"),
        (b"42", 400, "body has the wrong shape"),
        (b'{"hello": "world"}', 400, "body has the wrong shape"),
        (b'[{"id": "a", "remoteIp": "10.0.0.1"}]', 400, "body has the wrong shape"),
        (b'{"topicName": "t", "eventBody": "nope"}', 400, "body has the wrong shape"),
        (b"\xff\xfe", 400, "body is not valid UTF-8"),
    ],
    ids=["malformed", "empty", "empty-array", "number", "not-audit", "remoteIp-string", "envelope-body", "utf8"],
)
def test_bad_bodies_400_say_what_was_wrong(ingestion: IngestionHarness, raw: bytes, status: int, message: str) -> None:
    got_status, body = ingestion.post(raw, b64=True)
    assert got_status == status
    assert body["message"] == message
    assert ingestion.events.calls == []


def test_wrong_shape_details_name_the_field(ingestion: IngestionHarness) -> None:
    status, body = ingestion.post([record(1), {"id": "b", "remoteIp": "10.0.0.1"}])
    assert status == 400
    assert body["details"] == ["[1].remoteIp: expected an array of strings"]
    assert ingestion.events.calls == []


def test_wrong_content_type_415(ingestion: IngestionHarness) -> None:
    status, body = ingestion.post(record(1), headers={"content-type": "text/plain"})
    assert status == 415
    assert body["message"] == "content-type must be application/json, got 'text/plain'"
    assert ingestion.events.calls == []


def test_oversized_body_413(ingestion: IngestionHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingestion.module, "SETTINGS",
                        ingestion.module.SETTINGS.__class__(**{**ingestion.module.SETTINGS.__dict__,
                                                               "max_body_bytes": 2048}))
    status, body = ingestion.post([record(n) for n in range(30)])
    assert status == 413
    assert body["message"].startswith("body is ") and "over the 2048-byte limit" in body["message"]
    assert ingestion.events.calls == []


def test_oversized_entry_413_names_the_record(ingestion: IngestionHarness) -> None:
    status, body = ingestion.post([record(1), record(2, pad=270_000)])
    assert status == 413
    assert body["message"].startswith("record audit-00002 is ")
    assert body["details"][0]["id"] == "audit-00002" and body["details"][0]["size"] > 262_144
    assert ingestion.events.calls == []
    assert ingestion.delivered() == []


def test_timestamp_window(ingestion: IngestionHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ingestion.module.SETTINGS
    monkeypatch.setattr(ingestion.module, "SETTINGS",
                        settings.__class__(**{**settings.__dict__, "timestamp_header": "X-Genesys-Timestamp"}))
    now = int(time.time())
    assert ingestion.post(record(1), timestamp=str(now))[0] == 200
    assert ingestion.post(record(2), timestamp=str(now - 301)) == (401, {"message": "Unauthorized"})
    # signed without the timestamp while the header is required
    assert ingestion.post(record(3)) == (401, {"message": "Unauthorized"})
    assert ids(ingestion.delivered()) == ["audit-00001"]


def test_changed_properties_flattened_when_enabled(
    ingestion: IngestionHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ingestion.module.SETTINGS
    monkeypatch.setattr(ingestion.module, "SETTINGS",
                        settings.__class__(**{**settings.__dict__, "flatten_property_changes": True}))
    assert ingestion.post(record(1))[0] == 200
    [event] = ingestion.delivered()
    assert event["detail"]["changedProperties"] == ["description"]


def test_metrics_and_logs(capsys: pytest.CaptureFixture[str], ingestion: IngestionHarness) -> None:
    import io

    log_stream = io.StringIO()
    ingestion.module.logger.registered_handler.setStream(log_stream)
    assert ingestion.post([record(1), record(2)])[0] == 200
    out = capsys.readouterr().out  # EMF is printed to stdout
    emf = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    assert emf and emf[-1]["EventsReceived"] == [2.0] and emf[-1]["EventsPut"] == [2.0]
    assert emf[-1]["PutEventsFailedEntries"] == [0.0]
    assert emf[-1]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "GenesysAuditTest"
    logs = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    [done] = [ln for ln in logs if ln.get("message") == "put audit records"]
    assert done["received"] == 2 and done["put"] == 2 and done["calls"] == 1
    assert done["function_request_id"] == ingestion.context.aws_request_id
    assert done["api_request_id"].startswith("req-")
    assert done["signature_header"].startswith("sha256=") and done["content_length"] > 0
    assert WEBHOOK_SECRET_CURRENT not in log_stream.getvalue() + out


def test_default_bus_refused_at_cold_start(ingestion_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from genesys_audit.errors import ConfigError
    from genesys_audit.ingestion.settings import IngestionSettings

    monkeypatch.setenv("EVENT_BUS_NAME", "default")
    with pytest.raises(ConfigError, match="EVENT_BUS_NAME"):
        IngestionSettings.from_env()
