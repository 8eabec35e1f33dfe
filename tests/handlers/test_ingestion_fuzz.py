"""Hypothesis over the ingestion handler (moto): any body/headers -> a documented status, never a crash."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genesys_audit.ingestion.signature import sign

if TYPE_CHECKING:
    from conftest import IngestionHarness

DOCUMENTED = {200, 400, 401, 413, 415, 502, 503}


def _nest(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _dumps(value: object) -> bytes:
    """JSON as a careless sender writes it: NaN/Infinity allowed, deep nesting serialised without recursion."""
    try:
        return json.dumps(value).encode()
    except RecursionError:
        return b"[" * 5_000 + b"]" * 5_000

# Text including lone surrogates (json.dumps writes them as \\udXXX escapes), floats including NaN and the
# infinities (json.dumps writes NaN/Infinity, which JSON does not allow), and nesting far past any limit.
texts = st.text(alphabet=st.characters(blacklist_categories=()), max_size=20)
nested = st.integers(min_value=1, max_value=3_000).map(_nest)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
) | nested
records = st.fixed_dictionaries(
    {"id": st.text(alphabet=st.characters(blacklist_categories=()), min_size=1, max_size=20)},
    optional={
        "entityType": st.text(max_size=15) | st.integers(),
        "entity": st.fixed_dictionaries({}, optional={"id": texts, "name": texts}) | st.text(max_size=3),
        "remoteIp": st.lists(st.text(max_size=8), max_size=2) | st.text(max_size=8),
        "propertyChanges": st.lists(
            st.fixed_dictionaries({}, optional={"property": st.text(max_size=8),
                                                "newValues": st.lists(st.text(max_size=5), max_size=2)}),
            max_size=3,
        ),
        "extra": json_values,
    },
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(_dumps),
    records.map(_dumps),
    st.lists(records, min_size=1, max_size=15).map(_dumps),
    st.lists(records, min_size=1, max_size=3).map(
        lambda rs: _dumps([{"topicName": "t", "version": "2", "eventBody": r} for r in rs])
    ),
)
headers = st.dictionaries(
    st.sampled_from(["content-type", "x-hub-signature-256", "x-other", "content-length"]),
    st.text(max_size=30), max_size=3,
)


def test_fuzz_handler(ingestion: IngestionHarness) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies, extra_headers=headers, signed=st.booleans(), b64=st.booleans(),
           fail_every=st.sampled_from([0, 0, 3]), content_type=st.sampled_from(["application/json", None]))
    def run(  # noqa: PLR0917 - hypothesis passes the drawn values
        body: bytes, extra_headers: dict[str, str], signed: bool, b64: bool, fail_every: int,
        content_type: str | None,
    ) -> None:
        ingestion.events.calls.clear()
        ingestion.events.accepted.clear()
        ingestion.events.fail_always = (
            (lambda e: hash(e["Detail"]) % fail_every == 0) if fail_every else (lambda e: False)
        )
        hdrs = dict(extra_headers)
        if signed:
            hdrs["x-hub-signature-256"] = sign(body, ingestion.SECRET_CURRENT)
        if content_type:
            hdrs["content-type"] = content_type
        try:
            event = ingestion.http_event("POST", "/events", body, hdrs, b64=b64)
        except UnicodeDecodeError:
            event = ingestion.http_event("POST", "/events", body, hdrs, b64=True)
        status, response = ingestion.invoke(event)
        assert status in DOCUMENTED, (status, response)
        assert isinstance(response, dict) and isinstance(response.get("message"), str)
        put_entries = sum(ingestion.events.calls)
        if 400 <= status < 500:
            assert put_entries == 0  # rejected requests put nothing
        if status == 401:
            assert response == {"message": "Unauthorized"}
        if status == 200:
            # 2xx only when every entry was accepted
            assert response["put"] == response["received"] == len(ingestion.events.accepted) > 0
        if not signed and "x-hub-signature-256" not in extra_headers:
            assert status in {401, 413}

    run()


def test_unknown_route_is_404(ingestion: IngestionHarness) -> None:
    status, _ = ingestion.invoke(ingestion.http_event("GET", "/nope", b"", {}))
    assert status == 404
    assert ingestion.events.calls == []


