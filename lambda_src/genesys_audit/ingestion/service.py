"""The ingestion pipeline behind `POST /events`, free of HTTP framework and AWS client construction."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from genesys_audit.errors import (
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    UpstreamFailure,
)
from genesys_audit.ingestion import normalize, signature
from genesys_audit.ingestion.putevents import FailedEntry, entry_size, put_events
from genesys_audit.ingestion.replay import ReplayGuard, message_key
from genesys_audit.ingestion.settings import IngestionSettings


@dataclass
class IngestOutcome:
    """What one request did: counts for logs, metrics and the response."""

    received: int = 0
    put: int = 0
    calls: int = 0
    retried: int = 0
    failed: list[FailedEntry] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)


def _media_type_ok(content_type: str | None) -> bool:
    if content_type is None or not content_type.strip():
        return True  # some senders omit it; the body must still be JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _verify(
    body: bytes,
    headers: Mapping[str, str],
    *,
    settings: IngestionSettings,
    secrets: Callable[[], Sequence[str]],
    refreshed_secrets: Callable[[], Sequence[str] | None] | None,
    now: float,
) -> str | None:
    """Check the signature (and timestamp); on a mismatch retry once with freshly fetched secrets (a rotation).

    Returns the timestamp header's text when the timestamp is part of the signed message.
    """
    timestamp = headers.get(settings.timestamp_header.lower()) if settings.timestamp_header else None

    def check(candidates: Sequence[str]) -> None:
        signature.verify(
            body,
            headers.get(settings.signature_header.lower()),
            candidates,
            timestamp=timestamp,
            use_timestamp=settings.timestamp_header is not None,
            now=now,
            tolerance_seconds=settings.tolerance_seconds,
        )

    try:
        check(secrets())
    except Unauthorized:
        fresh = refreshed_secrets() if refreshed_secrets is not None else None
        if fresh is None:  # no refresher, or refreshed recently: the rate limit holds
            raise
        check(fresh)
    return timestamp


def ingest(
    body: bytes,
    headers: Mapping[str, str],
    *,
    settings: IngestionSettings,
    secrets: Callable[[], Sequence[str]],
    client: Any,
    deadline: Callable[[], float] | None = None,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] | None = None,
    refreshed_secrets: Callable[[], Sequence[str] | None] | None = None,
    replay: ReplayGuard | None = None,
) -> IngestOutcome:
    """Check size, signature, media type and shape, then put every record; raise a GenesysAuditError if not.

    `headers` must have lower-case names (API Gateway HTTP API payload v2 does this). `refreshed_secrets`
    returns freshly fetched secrets, or None when a refresh is not allowed now (rate limit). With `replay`,
    a signed message is processed once within its window: a replay is refused with 409 before anything is
    put, and a request that fails is released so the sender's retry goes through.
    """
    if len(body) > settings.max_body_bytes:
        raise PayloadTooLarge(
            f"body is {len(body)} bytes, over the {settings.max_body_bytes}-byte limit; "
            f"send at most {settings.max_body_bytes} bytes per request"
        )
    timestamp = _verify(
        body, headers, settings=settings, secrets=secrets, refreshed_secrets=refreshed_secrets, now=now()
    )
    if not _media_type_ok(headers.get("content-type")):
        raise UnsupportedMediaType(
            f"content-type must be application/json, got {headers.get('content-type')!r}"
        )
    details = normalize.to_details(normalize.parse_json(body), max_records=settings.max_records)
    entries = normalize.build_entries(
        details,
        source=settings.source,
        detail_type=settings.detail_type,
        flatten=settings.flatten_property_changes,
    )
    cap = min(settings.limits.max_entry_bytes, settings.limits.max_request_bytes)
    too_big = []
    sizes: list[int] = []
    for n, entry in enumerate(entries):
        try:
            size = entry_size(entry)
        except UnicodeEncodeError:  # a lone surrogate escape survived JSON parsing; UTF-8 cannot carry it
            raise normalize.lone_surrogate_error(details[n], n) from None
        sizes.append(size)
        if size > cap:
            too_big.append({"index": n, "id": normalize.record_id(details[n]), "size": size, "limit": cap})
    if too_big:
        first = too_big[0]
        raise PayloadTooLarge(
            f"record {first['id'] or '#' + str(first['index'])} is {first['size']} bytes as an EventBridge entry, "
            f"over the {cap}-byte limit; it was not truncated and nothing was put",
            details=too_big[:20],
        )
    def put() -> IngestOutcome:
        return _put(entries, sizes, settings=settings, client=client, deadline=deadline, sleep=sleep, rand=rand)

    if replay is None:
        return put()
    key = message_key(body, timestamp)
    replay.claim(key)
    accepted = False
    try:
        outcome = put()
        accepted = True
    finally:
        replay.settle(key, accepted=accepted)
    return outcome


def _put(
    entries: list[dict[str, Any]],
    sizes: list[int],
    *,
    settings: IngestionSettings,
    client: Any,
    deadline: Callable[[], float] | None,
    sleep: Callable[[float], None],
    rand: Callable[[], float] | None,
) -> IngestOutcome:
    kwargs: dict[str, Any] = {}
    if rand is not None:
        kwargs["rand"] = rand
    result = put_events(
        client,
        entries,
        bus_name=settings.event_bus_name,
        limits=settings.limits,
        retry=settings.retry,
        deadline=deadline,
        sleep=sleep,
        concurrency=settings.putevents_concurrency,
        sizes=sizes,
        **kwargs,
    )
    outcome = IngestOutcome(
        received=len(entries),
        put=result.put,
        calls=result.calls,
        retried=result.retried,
        failed=result.failed,
        event_ids=[result.event_ids[i] for i in sorted(result.event_ids)],
    )
    if not result.ok:
        codes = sorted({f.error_code for f in result.failed})
        raise UpstreamFailure(
            f"{len(result.failed)} of {len(entries)} records were not accepted by EventBridge; retry the request",
            details={
                "failed": len(result.failed), "accepted": result.put, "retried": result.retried, "errorCodes": codes,
            },
            status_code=503 if result.throttled or result.timed_out else 502,
        )
    return outcome
