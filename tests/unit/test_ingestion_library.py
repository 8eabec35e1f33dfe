"""Ingestion library without AWS: signatures, normalisation, sizing, packing, the retry loop."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genesys_audit.errors import BadRequest, ConfigError, PayloadTooLarge, Unauthorized
from genesys_audit.ingestion import normalize, signature
from genesys_audit.ingestion.putevents import (
    PutEventsLimits,
    RetryPolicy,
    entry_size,
    lower_bound,
    pack,
    put_events,
)
from genesys_audit.ingestion.settings import IngestionSettings
from genesys_audit.secrets import RefreshGate, parse_secret

BODY = b'{"id":"a","entityType":"User"}'


# --- signature -----------------------------------------------------------------------------------------


def test_hex_and_base64_digests_verify() -> None:
    signature.verify(BODY, signature.sign(BODY, "s"), ["s"])
    raw = hmac.new(b"s", BODY, hashlib.sha256).digest()
    signature.verify(BODY, "sha256=" + base64.b64encode(raw).decode(), ["s"])
    signature.verify(BODY, base64.b64encode(raw).decode(), ["s"])  # prefix optional
    signature.verify(BODY, "SHA256=" + raw.hex().upper(), ["s"])


def test_previous_secret_and_multiple_signatures() -> None:
    signature.verify(BODY, signature.sign(BODY, "old"), ["new", "old"])
    signature.verify(BODY, f"{signature.sign(BODY, 'x')},{signature.sign(BODY, 'new')}", ["new"])


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha256=zz", "sha256=" + "00" * 32, "md5=abc"])
def test_bad_headers_raise_the_same_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized) as err:
        signature.verify(BODY, header, ["s"])
    assert err.value.to_body() == {"message": "Unauthorized"}


def test_timestamp_signed_with_body_and_windowed() -> None:
    ts = "1795550400"
    header = signature.sign(BODY, "s", ts)
    signature.verify(BODY, header, ["s"], timestamp=ts, use_timestamp=True, now=1795550400 + 299)
    signature.verify(BODY, header, ["s"], timestamp=ts, use_timestamp=True, now=1795550400 - 299)
    for now in (1795550400 + 301, 1795550400 - 301):
        with pytest.raises(Unauthorized):
            signature.verify(BODY, header, ["s"], timestamp=ts, use_timestamp=True, now=now)
    with pytest.raises(Unauthorized):  # body-only signature while the timestamp is required
        signature.verify(BODY, signature.sign(BODY, "s"), ["s"], timestamp=ts, use_timestamp=True, now=1795550400)
    for bad in (None, "soon", "nan", "inf"):
        with pytest.raises(Unauthorized):
            signature.check_timestamp(bad, now=1795550400, tolerance_seconds=300)
    signature.check_timestamp("1795550400123", now=1795550400, tolerance_seconds=300)  # milliseconds


@given(st.binary(max_size=300), st.text(max_size=100))
def test_arbitrary_headers_never_crash(body: bytes, header: str) -> None:
    with contextlib.suppress(Unauthorized):
        signature.verify(body, header, ["s"])


def test_secret_parsing() -> None:
    assert parse_secret('{"current": "a", "previous": "b"}').candidates() == ("a", "b")
    assert parse_secret('{"current": "a"}').candidates() == ("a",)
    assert parse_secret("plain").candidates() == ("plain",)
    with pytest.raises(ValueError, match="current"):
        parse_secret('{"previous": "b"}')


def test_plain_secret_is_stripped_of_the_file_newline() -> None:
    assert parse_secret("plain\n").candidates() == ("plain",)
    assert parse_secret(b"  plain\r\n").candidates() == ("plain",)
    with pytest.raises(ValueError, match="empty"):
        parse_secret("\n")


def test_refresh_gate_allows_one_refresh_per_interval() -> None:
    clock = {"now": 100.0}
    gate = RefreshGate(60, clock=lambda: clock["now"])
    assert [gate.allow(), gate.allow()] == [True, False]
    clock["now"] += 59.9
    assert gate.allow() is False
    clock["now"] += 0.2
    assert gate.allow() is True


# --- normalisation ---------------------------------------------------------------------------------------


def test_bare_record_gets_partner_envelope() -> None:
    rec = {"id": "1", "entityType": "OAuthClient", "entity": {"id": "e"}, "newField": {"kept": True}}
    [detail] = normalize.to_details(rec, max_records=10, received_at="T")
    assert detail == {"topicName": "v2.audits.entitytype.OAuthClient.entityid.e", "version": "2",
                      "eventBody": rec, "metadata": {}, "timestamp": "T"}


def test_envelope_kept_and_arrays_mixed() -> None:
    env = {"topicName": "t", "version": "2", "eventBody": {"id": "1"}, "metadata": {"CorrelationId": "c"},
           "timestamp": "x", "extra": 1}
    details = normalize.to_details([env, {"id": "2", "action": "Unknown-New-Action"}], max_records=10)
    assert details[0] == env
    assert details[1]["eventBody"]["action"] == "Unknown-New-Action"
    assert details[1]["topicName"] == "v2.audits.entitytype..entityid."


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"id": 5}, "body.id: expected a string"),
        ({"id": "a", "entity": "x"}, "body.entity: expected an object"),
        ({"id": "a", "propertyChanges": [{"property": "p", "oldValues": "x"}]},
         "body.propertyChanges[0].oldValues: expected an array"),
        ({"id": "a", "propertyChanges": {}}, "body.propertyChanges: expected an array"),
        ([1], "[0]: expected a JSON object, got int"),
    ],
)
def test_wrong_shapes_name_the_field(payload: Any, detail: str) -> None:
    with pytest.raises(BadRequest) as err:
        normalize.to_details(payload, max_records=10)
    assert err.value.details == [detail]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"a": NaN}', "body contains the number NaN, which JSON does not allow"),
        (b'[Infinity]', "body contains the number Infinity, which JSON does not allow"),
        (b'{"a": [-Infinity]}', "body contains the number -Infinity, which JSON does not allow"),
        (b'{"a": 1e999}', "body contains the number 1e999, which JSON does not allow"),
        (b"[" * 65 + b"]" * 65, "body nests arrays/objects more than 64 levels deep"),
        (b"[" * 50_000 + b"]" * 50_000, "body nests arrays/objects more than 64 levels deep"),
        (b'{"a": ' * 65 + b"1" + b"}" * 65, "body nests arrays/objects more than 64 levels deep"),
    ],
    ids=["nan", "inf", "-inf", "overflow", "depth-65", "depth-50000", "objects-65"],
)
def test_parse_json_refuses_what_eventbridge_or_the_parser_cannot_take(raw: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match="^" + message.replace("(", r"\(")):
        normalize.parse_json(raw)


def test_parse_json_keeps_finite_floats_and_depth_64() -> None:
    assert normalize.parse_json(b'{"a": 1.5e10, "b": -0.0}') == {"a": 1.5e10, "b": -0.0}
    assert normalize.parse_json(b"[" * 64 + b"]" * 64) is not None


def test_lone_surrogate_path_names_the_string_or_key() -> None:
    assert normalize.lone_surrogate_path({"a": [1, {"b": "x\ud800"}]}, "body") == "body.a[1].b"
    assert normalize.lone_surrogate_path({"\udc00k": 1}, "body") == "body.\\udc00k (key)"
    # other characters beyond ASCII in the same key stay as they are (only the surrogate is escaped)
    assert normalize.lone_surrogate_path({"é": {"\ud800\u00a0": None}}, "body") == "body.é.\\ud800\u00a0 (key)"
    assert normalize.lone_surrogate_path({"ok": "\U0001f600"}, "body") is None


def test_too_many_records_413_says_the_maximum() -> None:
    with pytest.raises(PayloadTooLarge, match=r"^3 records in one request, over the maximum of 2; send at most 2 "):
        normalize.to_details([{"id": "1"}] * 3, max_records=2)


def test_flatten_changed_properties() -> None:
    rec = {"id": "1", "propertyChanges": [{"property": "a"}, {"property": "b", "newValues": []}, {"property": "a"},
                                          {"oldValues": ["x"]}]}
    [entry] = normalize.build_entries(normalize.to_details(rec, max_records=1), source="s", detail_type="d",
                                      flatten=True)
    assert json.loads(entry["Detail"])["changedProperties"] == ["a", "b"]


# --- sizing and packing ----------------------------------------------------------------------------------


def test_entry_size_follows_aws() -> None:
    entry = {"Source": "src", "DetailType": "dt", "Detail": '{"k":"é"}', "Resources": ["arn:1"]}
    assert entry_size(entry) == 3 + 2 + len('{"k":"é"}'.encode()) + 5
    assert entry_size({**entry, "Time": "2026-01-01T00:00:00Z"}) == entry_size(entry) + 14


def test_lower_bound() -> None:
    limits = PutEventsLimits()
    assert lower_bound([], limits) == 0
    assert lower_bound([1] * 1000, limits) == 100
    assert lower_bound([200_000] * 10, limits) == 8


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=262_144), max_size=200))
def test_packing_respects_limits_and_keeps_every_entry(sizes: list[int]) -> None:
    limits = PutEventsLimits()
    bins = pack(sizes, limits)
    assert sorted(i for b in bins for i in b) == list(range(len(sizes)))
    assert all(len(b) <= 10 and sum(sizes[i] for i in b) <= 262_144 for b in bins)
    assert len(bins) >= lower_bound(sizes, limits)


def test_packing_reaches_the_floor_on_mixed_sizes() -> None:
    sizes = [150_000] * 20 + [1_000] * 980
    assert len(pack(sizes, PutEventsLimits())) == lower_bound(sizes, PutEventsLimits()) == 100


def test_oversized_entry_refused_before_any_call() -> None:
    client = FakeEventsClient()
    with pytest.raises(PayloadTooLarge) as err:
        put_events(client, [{"Source": "s", "DetailType": "d", "Detail": "x" * 262_200}], bus_name="b")
    assert err.value.details[0]["index"] == 0
    assert client.calls == []


# --- the retry loop, with a fake client, sleeper and clock -----------------------------------------------


class FakeEventsClient:
    """In-memory PutEvents: fails entries by a script, counts calls (the unit tests' only AWS stand-in)."""

    def __init__(self, fail: dict[str, list[str]] | None = None, throttle_calls: int = 0) -> None:
        self.fail = fail or {}
        self.throttle_calls = throttle_calls
        self.calls: list[list[str]] = []
        self.accepted: list[str] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append([e["Detail"] for e in Entries])
        if self.throttle_calls:
            self.throttle_calls -= 1
            err = Exception("Rate exceeded")
            err.response = {"Error": {"Code": "ThrottlingException"}}  # type: ignore[attr-defined]
            raise err
        out = []
        for e in Entries:
            codes = self.fail.get(e["Detail"])
            if codes:
                out.append({"ErrorCode": codes.pop(0), "ErrorMessage": "scripted"})
            else:
                self.accepted.append(e["Detail"])
                out.append({"EventId": f"id-{len(self.accepted)}"})
        return {"FailedEntryCount": sum("ErrorCode" in o for o in out), "Entries": out}


def entries(n: int) -> list[dict[str, Any]]:
    return [{"Source": "s", "DetailType": "d", "Detail": f'{{"n":{i}}}'} for i in range(n)]


def test_retries_only_failed_entries_with_full_jitter_backoff() -> None:
    client = FakeEventsClient(
        fail={'{"n":3}': ["InternalFailure", "ThrottlingException"], '{"n":7}': ["InternalFailure"]}
    )
    sleeps: list[float] = []
    result = put_events(client, entries(12), bus_name="b", sleep=sleeps.append, rand=lambda: 1.0,
                        retry=RetryPolicy(base_delay=0.1, max_delay=1.0))
    assert result.ok and result.put == 12 and result.retried == 3
    assert [len(c) for c in client.calls] == [10, 2, 2, 1]  # round 1 (10+2), then the 2 failed, then 1
    assert sorted(client.accepted) == sorted(e["Detail"] for e in entries(12))  # each exactly once
    assert sleeps == [0.1, 0.2]


def test_throttled_calls_retried_whole() -> None:
    client = FakeEventsClient(throttle_calls=2)
    result = put_events(client, entries(5), bus_name="b", sleep=lambda s: None)
    assert result.ok and result.calls == 3 and result.throttled


def test_deadline_stops_retries() -> None:
    clock = {"left": 0.3}

    def sleep(s: float) -> None:
        clock["left"] -= s

    client = FakeEventsClient(throttle_calls=1000)
    result = put_events(client, entries(3), bus_name="b", sleep=sleep, rand=lambda: 1.0,
                        deadline=lambda: clock["left"],
                        retry=RetryPolicy(base_delay=0.1, max_delay=10, max_attempts=100))
    assert not result.ok and result.timed_out
    assert [f.error_code for f in result.failed] == ["ThrottlingException"] * 3
    assert len(client.calls) == 2  # 0.1 slept, then 0.2 would leave nothing


def test_stalled_call_is_abandoned_at_the_deadline() -> None:
    import threading
    import time

    release = threading.Event()

    class Stalls(FakeEventsClient):
        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            if '{"n":0}' in [e["Detail"] for e in Entries]:
                release.wait(30)  # a call that never answers (within the test)
            return super().put_events(Entries)

    client = Stalls()
    stop = time.monotonic() + 0.5
    started = time.monotonic()
    try:
        result = put_events(client, entries(25), bus_name="b", deadline=lambda: stop - time.monotonic(),
                            concurrency=3, limits=PutEventsLimits(max_entries=5))
    finally:
        release.set()
    assert time.monotonic() - started < 2
    assert result.timed_out and not result.ok
    # the stalled call's 5 entries failed with DeadlineExceeded; the other 4 calls went through, concurrently
    assert [f.error_code for f in result.failed] == ["DeadlineExceeded"] * 5
    assert result.put == 20


def test_permanent_entry_errors_not_retried() -> None:
    client = FakeEventsClient(fail={'{"n":1}': ["AccessDeniedException"] * 5})
    result = put_events(client, entries(3), bus_name="b", sleep=lambda s: None)
    assert not result.ok and result.put == 2
    assert [(f.index, f.error_code) for f in result.failed] == [(1, "AccessDeniedException")]
    assert len(client.calls) == 1


# --- settings --------------------------------------------------------------------------------------------


BASE_ENV = {"EVENT_BUS_NAME": "bus", "WEBHOOK_SECRET_ARN": "arn"}


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"EVENT_BUS_NAME": "default"}, "EVENT_BUS_NAME"),
        ({"EVENT_BUS_NAME": "arn:aws:events:eu-central-1:123456789012:event-bus/default"}, "EVENT_BUS_NAME"),
        ({"EVENT_BUS_NAME": ""}, "EVENT_BUS_NAME"),
        ({"WEBHOOK_SECRET_ARN": ""}, "WEBHOOK_SECRET_ARN"),
        ({"EVENT_SOURCE": "aws.events"}, "EVENT_SOURCE"),
        ({"PUTEVENTS_MAX_ENTRIES": "11"}, "PUTEVENTS_MAX_ENTRIES"),
        ({"SIGNATURE_TOLERANCE_SECONDS": "soon"}, "SIGNATURE_TOLERANCE_SECONDS"),
        ({"NORMALIZE_CHANGED_PROPERTIES": "maybe"}, "NORMALIZE_CHANGED_PROPERTIES"),
        ({"PUTEVENTS_CONCURRENCY": "11"}, "PUTEVENTS_CONCURRENCY"),
        ({"MAX_RECORDS_PER_REQUEST": "10001"}, "MAX_RECORDS_PER_REQUEST"),
        ({"WEBHOOK_SECRET_REFRESH_INTERVAL_SECONDS": "0"}, "WEBHOOK_SECRET_REFRESH_INTERVAL_SECONDS"),
        ({"REPLAY_LEASE_SECONDS": "0"}, "REPLAY_LEASE_SECONDS"),
    ],
)
def test_settings_errors_name_the_variable(extra: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        IngestionSettings.from_env({**BASE_ENV, **extra})


def test_settings_defaults_and_raised_limit() -> None:
    s = IngestionSettings.from_env({**BASE_ENV, "PUTEVENTS_MAX_REQUEST_BYTES": "1048576"})
    assert (s.source, s.detail_type, s.signature_header) == (
        "genesys.audit.webhook", "v2.audits.entitytype.{id}.entityid.{id}", "X-Hub-Signature-256")
    assert s.limits == PutEventsLimits(10, 1_048_576, 1_048_576)
    assert s.tolerance_seconds == 300 and s.timestamp_header is None and not s.tracing_enabled
    assert (s.max_records, s.putevents_concurrency, s.secret_refresh_interval_seconds) == (1_000, 8, 60)
    assert s.replay_table_name is None
