"""Time ranges: parse and check `--since`/`--until`, split them into windows (checkpoint units)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from genesys_audit.backfill.errors import BackfillInputError

RETENTION_DAYS = 365  # audit retention is about a year (third-party report; not verified)


def parse_time(text: str, name: str) -> datetime:
    """ISO-8601 (`2026-11-24T10:00:00Z`, an offset, or a date); no zone means UTC."""
    value = text.strip()
    if not value:
        raise BackfillInputError(f"{name} is empty; give an ISO-8601 time such as 2026-11-24T10:00:00Z")
    try:
        when = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise BackfillInputError(
            f"{name} {text!r} is not an ISO-8601 time; e.g. 2026-11-24T10:00:00Z or 2026-11-24"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def iso(when: datetime) -> str:
    """`2026-11-24T10:00:00Z` (milliseconds only when present)."""
    when = when.astimezone(UTC)
    if when.microsecond:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Window:
    """A half-open time range [start, end) queried as one unit and checkpointed as one."""

    start: datetime
    end: datetime

    @property
    def interval(self) -> str:
        """The Genesys `interval`: `start/end` in ISO-8601."""
        return f"{iso(self.start)}/{iso(self.end)}"

    @property
    def key(self) -> str:
        """The checkpoint key (the interval itself)."""
        return self.interval

    def contains(self, when: datetime) -> bool:
        """start <= when < end."""
        return self.start <= when < self.end


def check_range(since: datetime, until: datetime | None, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Validate a backfill range; `until` defaults to now and is capped at now. Returns (since, until)."""
    now = now or datetime.now(UTC)
    if since > now:
        raise BackfillInputError(f"--since {iso(since)} is in the future (now is {iso(now)}); nothing to backfill yet")
    end = now if until is None else until
    if end <= since:
        raise BackfillInputError(f"--until {iso(end)} must be after --since {iso(since)}")
    end = min(end, now)
    if now - since > timedelta(days=RETENTION_DAYS + 31):
        raise BackfillInputError(
            f"--since {iso(since)} is more than {RETENTION_DAYS + 31} days ago; Genesys keeps audits about a year"
        )
    return since, end


def split(since: datetime, until: datetime, width: timedelta) -> Iterator[Window]:
    """Windows aligned to multiples of `width` from midnight UTC, clipped to [since, until)."""
    if width <= timedelta(0):
        raise BackfillInputError("the window width must be positive")
    day = since.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = (since - day) // width
    start = day + steps * width
    while start < until:
        end = start + width
        yield Window(max(start, since), min(end, until))
        start = end


def hour_of(when: datetime) -> datetime:
    """The start of the UTC hour containing `when`."""
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def parse_event_time(value: object) -> datetime | None:
    """An audit's `eventDate`/`eventTime` as a UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_time(value, "eventTime")
    except BackfillInputError:
        return None
