"""PutEvents batching: AWS entry sizing, first-fit-decreasing packing, concurrent calls, retries of failed entries only.

Reusable outside the HTTP handler (the backfill CLI): `put_events(client, entries, ...)`.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from genesys_audit.errors import PayloadTooLarge

TIME_ENTRY_BYTES = 14
# Per-entry codes and whole-call exceptions worth retrying; anything else fails for good.
RETRYABLE_ENTRY_CODES = frozenset(
    {"ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable", "ServiceUnavailableException"}
)
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
        "LimitExceededException", "ServiceUnavailable", "ServiceUnavailableException",
        "InternalFailure", "InternalException", "InternalServerError", "RequestTimeout",
    }
)


@dataclass(frozen=True)
class PutEventsLimits:
    """PutEvents limits: entries per call, request bytes, entry bytes (AWS defaults: 10, 256 KB, 256 KB)."""

    max_entries: int = 10
    max_request_bytes: int = 262_144
    max_entry_bytes: int = 262_144


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by the caller's deadline."""

    base_delay: float = 0.05
    max_delay: float = 2.0
    max_attempts: int = 10

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**attempt))."""
        return rand() * min(self.max_delay, self.base_delay * float(2.0 ** min(attempt, 30)))


@dataclass
class FailedEntry:
    """An entry that was not accepted: its index in the input and the last error."""

    index: int
    error_code: str
    error_message: str = ""


@dataclass
class PutResult:
    """Outcome of `put_events`: counts, calls, and the entries that still failed."""

    total: int
    event_ids: dict[int, str] = field(default_factory=dict)
    failed: list[FailedEntry] = field(default_factory=list)
    calls: int = 0
    attempts: int = 0
    retried: int = 0
    throttled: bool = False
    timed_out: bool = False

    @property
    def put(self) -> int:
        """Entries accepted."""
        return len(self.event_ids)

    @property
    def ok(self) -> bool:
        """True only when every entry was accepted."""
        return not self.failed and len(self.event_ids) == self.total


def entry_size(entry: Mapping[str, Any]) -> int:
    """Entry size as AWS computes it: UTF-8 bytes of Source, DetailType, Detail, Resources; +14 for Time."""
    size = 0
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if value:
            size += len(str(value).encode("utf-8"))
    for resource in entry.get("Resources") or ():
        size += len(str(resource).encode("utf-8"))
    if entry.get("Time") is not None:
        size += TIME_ENTRY_BYTES
    return size


def lower_bound(sizes: Sequence[int], limits: PutEventsLimits) -> int:
    """Fewest calls any packing can achieve: max(ceil(n/entries), ceil(total/bytes))."""
    if not sizes:
        return 0
    return max(math.ceil(len(sizes) / limits.max_entries), math.ceil(sum(sizes) / limits.max_request_bytes))


def pack(sizes: Sequence[int], limits: PutEventsLimits) -> list[list[int]]:
    """First-fit-decreasing: indexes of `sizes` grouped into batches within both limits."""
    order = sorted(range(len(sizes)), key=lambda i: sizes[i], reverse=True)
    bins: list[list[int]] = []
    room: list[int] = []
    open_bins: list[int] = []  # bins that still have an entry slot, in creation order
    for i in order:
        size = sizes[i]
        if size > limits.max_request_bytes or size > limits.max_entry_bytes:
            raise PayloadTooLarge(f"entry {i} is {size} bytes, over the {limits.max_entry_bytes}-byte limit")
        placed = False
        for pos, b in enumerate(open_bins):
            if room[b] >= size:
                bins[b].append(i)
                room[b] -= size
                if len(bins[b]) >= limits.max_entries:
                    del open_bins[pos]
                placed = True
                break
        if not placed:
            bins.append([i])
            room.append(limits.max_request_bytes - size)
            if limits.max_entries > 1:
                open_bins.append(len(bins) - 1)
    return bins


def oversized(sizes: Sequence[int], limits: PutEventsLimits) -> list[int]:
    """Indexes of entries that cannot be sent on their own."""
    cap = min(limits.max_entry_bytes, limits.max_request_bytes)
    return [i for i, s in enumerate(sizes) if s > cap]


def error_code(exc: Exception) -> str:
    """The AWS error code of a botocore ClientError, else the exception's type name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str):
            return code
    return type(exc).__name__


def _is_transport_error(exc: Exception) -> bool:
    # botocore's connection/timeout errors (imported lazily: this module stays import-light).
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, BotoConnectionError | HTTPClientError)


DEADLINE_EXCEEDED = "DeadlineExceeded"


def _round(
    pool: ThreadPoolExecutor, client: Any, requests: list[list[dict[str, Any]]], concurrency: int, timeout: float | None
) -> tuple[list[Any], int]:
    """Send `requests` on up to `concurrency` workers; wait at most `timeout` seconds.

    Returns, per request, the response, the exception it raised, or None when it had no answer in time, and
    how many calls were started. Workers take the next request from a shared cursor (one task per worker, not
    per call) and stop taking new ones once the round is over; a call still running then is left to end on
    botocore's own timeouts, and its outcome is not read.
    """
    outcomes: list[Any] = [None] * len(requests)
    cursor = iter(range(len(requests)))
    lock = threading.Lock()
    over = threading.Event()
    started = [0]

    def work() -> None:
        while not over.is_set():
            with lock:
                k = next(cursor, None)
                if k is None:
                    return
                started[0] += 1
            try:
                outcomes[k] = client.put_events(Entries=requests[k])
            except Exception as exc:  # classified by the caller
                outcomes[k] = exc

    workers = [pool.submit(work) for _ in range(max(1, min(concurrency, len(requests))))]
    wait(workers, timeout=timeout)
    with lock:
        over.set()
        return list(outcomes), started[0]


def put_events(  # noqa: PLR0912, PLR0915 - one loop, kept together for readability
    client: Any,
    entries: Sequence[Mapping[str, Any]],
    *,
    bus_name: str,
    limits: PutEventsLimits | None = None,
    retry: RetryPolicy | None = None,
    deadline: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    concurrency: int = 1,
    sizes: Sequence[int] | None = None,
) -> PutResult:
    """Put every entry on `bus_name` in the fewest calls; retry only failed entries until `deadline`.

    The calls of one round run on up to `concurrency` threads (botocore clients are thread-safe). `deadline()`
    returns the seconds left (the caller subtracts its safety margin); a round waits for its calls at most
    that long, so a stalled call cannot outlive the caller: its entries count as failed with
    `DeadlineExceeded` (the call may still complete later: at-least-once). Raises PayloadTooLarge before any
    call when an entry exceeds the limits on its own. `sizes` are the entries' `entry_size`s when the caller
    has them already.
    """
    limits = limits or PutEventsLimits()
    retry = retry or RetryPolicy()
    sizes = [entry_size(e) for e in entries] if sizes is None else list(sizes)
    too_big = oversized(sizes, limits)
    if too_big:
        raise PayloadTooLarge(
            "entry over the PutEvents size limit",
            details=[{"index": i, "size": sizes[i], "limit": limits.max_entry_bytes} for i in too_big],
        )
    result = PutResult(total=len(entries))
    pending = list(range(len(entries)))
    last_error: dict[int, tuple[str, str]] = {}
    permanent: dict[int, tuple[str, str]] = {}
    attempt = 0
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="putevents")
    try:
        while pending:
            if attempt > 0:
                result.retried += len(pending)
                wait_s = retry.delay(attempt - 1, rand)
                if deadline is not None and deadline() - wait_s <= 0:
                    result.timed_out = True
                    break
                sleep(wait_s)
            left = deadline() if deadline is not None else None
            if left is not None and left <= 0:
                result.timed_out = True
                for i in pending:
                    last_error.setdefault(i, (DEADLINE_EXCEEDED, "no time left for this call"))
                break
            result.attempts += 1
            failed_now: list[int] = []
            batches = [[pending[j] for j in batch] for batch in pack([sizes[i] for i in pending], limits)]
            requests = [[{**entries[i], "EventBusName": bus_name} for i in idx] for idx in batches]
            outcomes, started = _round(pool, client, requests, concurrency, left)
            result.calls += started
            for idx, outcome in zip(batches, outcomes, strict=True):
                if outcome is None:  # not answered (or not started) before the deadline
                    result.timed_out = True
                    failed_now.extend(idx)
                    for i in idx:
                        last_error[i] = (DEADLINE_EXCEEDED, "no answer from PutEvents before the function's deadline")
                    continue
                if isinstance(outcome, Exception):
                    code = error_code(outcome)
                    if code in THROTTLING_CODES or _is_transport_error(outcome):
                        result.throttled = result.throttled or code in THROTTLING_CODES
                        failed_now.extend(idx)
                        for i in idx:
                            last_error[i] = (code, str(outcome))
                    else:
                        for i in idx:
                            permanent[i] = (code, str(outcome))
                    continue
                out = outcome.get("Entries") or []
                for pos, i in enumerate(idx):
                    item = out[pos] if pos < len(out) else {"ErrorCode": "MissingResult"}
                    event_id = item.get("EventId")
                    if event_id and not item.get("ErrorCode"):
                        result.event_ids[i] = event_id
                        last_error.pop(i, None)
                        continue
                    code = str(item.get("ErrorCode") or "Unknown")
                    message = str(item.get("ErrorMessage") or "")
                    if code in RETRYABLE_ENTRY_CODES or code == "MissingResult":
                        result.throttled = result.throttled or code == "ThrottlingException"
                        failed_now.append(i)
                        last_error[i] = (code, message)
                    else:
                        permanent[i] = (code, message)
            pending = sorted(failed_now)
            attempt += 1
            if result.timed_out or attempt >= retry.max_attempts:
                break  # out of time (a call is still running) or out of attempts
    finally:
        # Never wait for a stalled call: its thread ends with botocore's own timeouts.
        pool.shutdown(wait=False, cancel_futures=True)
    for i in pending:
        code, message = last_error.get(i, ("NotAttempted", ""))
        result.failed.append(FailedEntry(i, code, message))
    for i, (code, message) in permanent.items():
        result.failed.append(FailedEntry(i, code, message))
    result.failed.sort(key=lambda f: f.index)
    return result
