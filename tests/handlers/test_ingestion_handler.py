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


# -- hostile bodies: every one a clear 400, nothing put --------------------------------------------------


def test_lone_surrogate_escape_400_names_the_field(ingestion: IngestionHarness) -> None:
    raw = b'[{"id": "a", "entity": {"id": "e", "name": "x\\ud800y"}}]'
    status, body = ingestion.post(raw)
    assert status == 400, body
    assert body["message"].startswith("body contains a lone UTF-16 surrogate escape (such as \\ud800)")
    assert body["details"] == ["[0].eventBody.entity.name"]
    assert ingestion.events.calls == []
    # a complete pair is a valid character and goes through
    status, _ = ingestion.post(b'{"id": "b", "entity": {"id": "e", "name": "\\ud83d\\ude00"}}')
    assert status == 200
    [event] = ingestion.delivered()
    assert event["detail"]["eventBody"]["entity"]["name"] == "\U0001f600"


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_nesting_400_says_the_limit(ingestion: IngestionHarness, depth: int) -> None:
    nested = "[" * (depth - 1) + "]" * (depth - 1)
    raw = ('{"id": "a", "extra": ' + nested + "}").encode()
    status, body = ingestion.post(raw)
    assert (status, body) == (
        400, {"message": "body nests arrays/objects more than 64 levels deep; audit records nest a few levels"}
    )
    assert ingestion.events.calls == []


def test_nesting_at_the_limit_is_accepted(ingestion: IngestionHarness) -> None:
    raw = ('{"id": "a", "extra": ' + "[" * 63 + "]" * 63 + "}").encode()  # the body object is level 1
    assert ingestion.post(raw)[0] == 200
    assert ids(ingestion.delivered()) == ["a"]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_non_finite_numbers_400_name_the_value(ingestion: IngestionHarness, token: str) -> None:
    raw = ('[{"id": "a"}, {"id": "b", "extra": {"score": ' + token + "}}]").encode()
    status, body = ingestion.post(raw)
    assert status == 400, body
    assert body["message"].startswith(f"body contains the number {token}, which JSON does not allow")
    assert ingestion.events.calls == []


def eventbridge_event(detail: Any, detail_type: str = "v2.audits.entitytype.{id}.entityid.{id}") -> dict[str, Any]:
    """What an API destination forwards: a whole EventBridge event."""
    return {
        "version": "0", "id": "7f3c8f2e-0000-4000-8000-000000000001", "detail-type": detail_type,
        "source": "aws.partner/genesys.com/cloud/org/suffix", "account": "123456789012",
        "time": "2026-11-24T20:00:00Z", "region": "eu-central-1", "resources": [], "detail": detail,
    }


def test_whole_eventbridge_event_is_unwrapped_to_its_audit_notification(ingestion: IngestionHarness) -> None:
    envelope = {"topicName": "v2.audits.entitytype.OAuthClient.entityid.entity-1", "version": "2",
                "eventBody": record(1), "metadata": {"CorrelationId": "c"}, "timestamp": "2026-11-24T20:00:00.000Z"}
    status, body = ingestion.post([eventbridge_event(envelope), record(2)])
    assert status == 200, body
    delivered = sorted(ingestion.delivered(), key=lambda e: e["detail"]["eventBody"]["id"])
    assert delivered[0]["detail"] == envelope  # filed under the audit shape, not the event's
    assert delivered[1]["detail"]["eventBody"] == record(2)


@pytest.mark.parametrize(
    "event",
    [
        eventbridge_event({"id": "x", "action": "Update"}),  # detail is not a notification
        eventbridge_event({"topicName": "t", "eventBody": record(1)}, detail_type="v2.users.{id}.presence"),
        eventbridge_event("not an object"),
    ],
    ids=["detail-not-envelope", "not-audit-topic", "detail-string"],
)
def test_whole_eventbridge_event_of_another_shape_400(ingestion: IngestionHarness, event: dict[str, Any]) -> None:
    status, body = ingestion.post(event)
    assert status == 400, body
    assert body["message"] == "body has the wrong shape"
    assert body["details"][0].startswith("body: a whole EventBridge event whose detail is not a Genesys audit")
    assert ingestion.events.calls == []


def test_rest_api_payload_v1_event_400(ingestion: IngestionHarness) -> None:
    raw = json.dumps(record(1))
    event = {
        "resource": "/events", "path": "/events", "httpMethod": "POST", "headers": {"content-type": "application/json"},
        "requestContext": {"resourcePath": "/events", "httpMethod": "POST", "stage": "prod", "requestId": "r"},
        "body": raw, "isBase64Encoded": False,
    }
    status, body = ingestion.invoke(event)
    assert status == 400
    assert body["message"].startswith(
        "this function expects an API Gateway HTTP API event (payload format version 2.0)"
    )
    assert ingestion.events.calls == []


# -- limits, concurrency, deadline -------------------------------------------------------------------------


def test_over_the_record_maximum_413_says_the_maximum(ingestion: IngestionHarness) -> None:
    maximum = ingestion.module.SETTINGS.max_records
    assert maximum == 1_000
    status, body = ingestion.post([{"id": str(n)} for n in range(maximum + 1)])
    assert (status, body) == (413, {"message": "1001 records in one request, over the maximum of 1000; "
                                               "send at most 1000 records per request"})
    assert ingestion.events.calls == []


def test_put_events_calls_run_concurrently_and_bounded(ingestion: IngestionHarness) -> None:
    import threading

    real = ingestion.events.put_events
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow_put_events(**kwargs: Any) -> dict[str, Any]:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            time.sleep(0.02)  # PutEvents answering in 20 ms
            return real(**kwargs)
        finally:
            with lock:
                state["now"] -= 1

    ingestion.events.put_events = slow_put_events  # type: ignore[method-assign]
    status, body = ingestion.post([record(n) for n in range(200)])
    assert status == 200, body
    assert len(ingestion.events.calls) == 20
    assert 1 < state["max"] <= ingestion.module.SETTINGS.putevents_concurrency == 8
    assert sorted(ids(ingestion.delivered())) == [f"audit-{n:05d}" for n in range(200)]


# -- the webhook secret: rotation, refresh rate limit, plain string --------------------------------------


def test_rotated_secret_works_at_once_and_refresh_is_rate_limited(
    ingestion: IngestionHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    assert ingestion.post(record(1))[0] == 200  # the secret is cached now
    boto3.client("secretsmanager").put_secret_value(
        SecretId="genesys-webhook-secret",
        SecretString=json.dumps({"current": "rotated-secret", "previous": WEBHOOK_SECRET_CURRENT}),
    )
    forced: list[bool] = []
    fetch = ingestion.module.get_secret_pair

    def counting(secret_id: str, *, max_age: int, force: bool = False) -> Any:
        forced.append(force)
        return fetch(secret_id, max_age=max_age, force=force)

    monkeypatch.setattr(ingestion.module, "get_secret_pair", counting)
    assert ingestion.post(record(2), secret="rotated-secret")[0] == 200  # mismatch -> one refetch -> accepted
    assert forced == [False, True]
    # bad signatures within the interval: no further refetch (Secrets Manager is not hammered)
    for _ in range(3):
        assert ingestion.post(record(3), secret="wrong") == (401, {"message": "Unauthorized"})
    assert forced.count(True) == 1
    assert ingestion.post(record(4), secret=WEBHOOK_SECRET_CURRENT)[0] == 200  # now the previous secret
    assert sorted(ids(ingestion.delivered())) == ["audit-00001", "audit-00002", "audit-00004"]


def test_plain_string_secret_with_trailing_newline(ingestion: IngestionHarness) -> None:
    import boto3

    from genesys_audit.secrets import clear_cache

    boto3.client("secretsmanager").put_secret_value(SecretId="genesys-webhook-secret", SecretString="plain-key\n")
    clear_cache()
    status, body = ingestion.post(record(1), secret="plain-key")
    assert status == 200, body
    assert ids(ingestion.delivered()) == ["audit-00001"]


# -- replay: a signed request is accepted once within its window ----------------------------------------

REPLAY_TABLE = "genesys-audit-test-replay"


@pytest.fixture
def with_replay(ingestion: IngestionHarness, monkeypatch: pytest.MonkeyPatch) -> IngestionHarness:
    import boto3

    boto3.client("dynamodb").create_table(
        TableName=REPLAY_TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    settings = ingestion.module.SETTINGS
    monkeypatch.setattr(ingestion.module, "SETTINGS", settings.__class__(
        **{**settings.__dict__, "timestamp_header": "X-Genesys-Timestamp", "replay_table_name": REPLAY_TABLE}))
    monkeypatch.setattr(ingestion.module, "REPLAY", None)
    return ingestion


def test_replayed_signed_request_409_and_nothing_put_twice(with_replay: IngestionHarness) -> None:
    ingestion = with_replay
    ts = str(int(time.time()))
    assert ingestion.post(record(1), timestamp=ts)[0] == 200
    calls = list(ingestion.events.calls)
    status, body = ingestion.post(record(1), timestamp=ts)  # the captured request, byte for byte
    assert (status, body) == (409, {"message": "this signed request was already received (a replay within the "
                                               "signature window is refused); each new delivery needs its own "
                                               "timestamp and signature"})
    # re-encoding the signature (base64 instead of hex) does not make it new
    import hashlib
    import hmac

    raw = json.dumps(record(1)).encode()
    digest = hmac.new(WEBHOOK_SECRET_CURRENT.encode(), ts.encode() + b"." + raw, hashlib.sha256).digest()
    b64 = "sha256=" + base64.b64encode(digest).decode()
    assert ingestion.post(raw, timestamp=ts, signature=b64)[0] == 409
    assert ingestion.events.calls == calls  # nothing put again
    assert ids(ingestion.delivered()) == ["audit-00001"]
    # the same record in a new delivery (new timestamp, new signature) is a new request
    assert ingestion.post(record(1), timestamp=str(int(ts) + 1))[0] == 200


def test_failed_request_is_released_so_the_senders_retry_goes_through(with_replay: IngestionHarness) -> None:
    ingestion = with_replay
    ts = str(int(time.time()))
    ingestion.events.fail_always = lambda entry: '"audit-00002"' in entry["Detail"]
    assert ingestion.post([record(1), record(2)], timestamp=ts)[0] == 502
    ingestion.events.fail_always = lambda entry: False
    assert ingestion.post([record(1), record(2)], timestamp=ts)[0] == 200  # the retry, same signed request
    assert ingestion.post([record(1), record(2)], timestamp=ts)[0] == 409  # and now it is a replay
    assert sorted(ids(ingestion.delivered())) == ["audit-00001", "audit-00001", "audit-00002"]  # at-least-once


def test_replay_claims_end_with_their_lease_and_their_window(with_replay: IngestionHarness) -> None:
    import boto3

    from genesys_audit.errors import Conflict, UpstreamFailure
    from genesys_audit.ingestion.replay import ReplayGuard

    clock = {"now": 1_000_000.0}
    guard = ReplayGuard(boto3.client("dynamodb"), REPLAY_TABLE, window_seconds=600, lease_seconds=10,
                        now=lambda: clock["now"])
    guard.claim("a")  # in flight: a concurrent copy is told to retry later (the first may still fail) ...
    with pytest.raises(UpstreamFailure) as err:
        guard.claim("a")
    assert err.value.status_code == 503
    assert err.value.message == "this signed request is being processed by another invocation; retry later"
    clock["now"] += 11  # ... until the lease of a function that died has ended
    guard.claim("a")
    assert guard.settle("a", accepted=True)
    clock["now"] += 500
    with pytest.raises(Conflict):  # accepted: refused for the whole window
        guard.claim("a")
    clock["now"] += 101  # the window is over (TTL deletion may lag; the condition does not)
    guard.claim("a")


def test_replay_store_unavailable_503(with_replay: IngestionHarness) -> None:
    ingestion = with_replay
    import boto3

    boto3.client("dynamodb").delete_table(TableName=REPLAY_TABLE)
    status, body = ingestion.post(record(1), timestamp=str(int(time.time())))
    assert (status, body) == (503, {"message": "replay check unavailable; retry later"})
    assert ingestion.events.calls == []


# -- a PutEvents call that stalls ends before the function does -------------------------------------------


@pytest.fixture
def stalling_endpoint() -> Any:
    """A loopback HTTP server that reads each request and never answers (until the test ends)."""
    import socketserver
    import threading

    release = threading.Event()

    class Stall(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65536)
            release.wait(60)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Stall)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_stalled_put_events_call_ends_before_the_function_and_alarms(
    ingestion: IngestionHarness, stalling_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import botocore.config
    import botocore.session

    # botocore's own timeouts (read 30 s) would outlive the 2.5 s function
    ingestion.module.EVENTS = botocore.session.get_session().create_client(
        "events", region_name="eu-central-1", endpoint_url=stalling_endpoint,
        config=botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=30),
    )
    ingestion.context.timeout_ms = 2_500  # 500 ms safety margin: 2 s for the calls
    ingestion.context._start = time.monotonic()
    capsys.readouterr()
    started = time.monotonic()
    status, body = ingestion.post([record(1), record(2)])
    elapsed = time.monotonic() - started
    assert status == 503, body
    assert body["details"]["errorCodes"] == ["DeadlineExceeded"] and body["details"]["failed"] == 2
    # answered at the 2 s deadline, not at the client's 30 s read timeout (the 500 ms margin keeps a real
    # invocation inside its Lambda timeout; the extra slack here absorbs a loaded CI machine)
    assert elapsed < 2.5 + 2.0, elapsed
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert emf[-1]["PutEventsFailedEntries"] == [2.0]  # the module's alarm reads this
