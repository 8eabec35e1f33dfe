"""Gap detection: audit ids per hour from the Genesys API vs the ids the trail log group received.

The trail rule writes each matched EventBridge event to a CloudWatch Logs group (the whole event as the
message, unless an input transformer reshapes it; `AuditView.of` reads an event, a detail or a bare
record). Records are bucketed by the audit's own time (`eventDate` / `eventTime`), not by when they
reached the log group: live events arrive seconds later, backfilled ones whenever the backfill ran.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from genesys_audit.audit import AuditView
from genesys_audit.backfill.api import AuditApiReader, choose_api
from genesys_audit.backfill.windows import hour_of, iso, parse_event_time, split

DEFAULT_EXCLUDED = ("UserPresence",)  # the trail rule's default `exclude_entity_types`
MISSING_SHOWN = 20


@dataclass
class HourCount:
    """One UTC hour: ids from the API, ids in the trail, and the difference."""

    hour: datetime
    api: int
    trail: int
    missing: list[str] = field(default_factory=list)  # in the API, not in the trail: the holes
    unexpected: list[str] = field(default_factory=list)  # in the trail, not in the API (filters, clock skew)

    @property
    def has_hole(self) -> bool:
        """The trail misses at least one audit of this hour."""
        return bool(self.missing)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"hour": iso(self.hour), "api": self.api, "trail": self.trail, "missing": self.missing,
                "unexpected": self.unexpected}


@dataclass
class GapReport:
    """Per-hour counts over [since, until)."""

    since: datetime
    until: datetime
    hours: list[HourCount]
    api_total: int
    trail_total: int
    excluded: int  # API records of excluded entity types (not expected in the trail)

    @property
    def holes(self) -> list[HourCount]:
        """Hours where the trail misses audits."""
        return [h for h in self.hours if h.has_hole]

    @property
    def missing_total(self) -> int:
        """Audits in the API and not in the trail."""
        return sum(len(h.missing) for h in self.hours)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {
            "since": iso(self.since), "until": iso(self.until), "apiTotal": self.api_total,
            "trailTotal": self.trail_total, "excluded": self.excluded, "missingTotal": self.missing_total,
            "holes": [h.to_dict() for h in self.holes], "hours": [h.to_dict() for h in self.hours],
        }


def api_ids_by_hour(
    reader: AuditApiReader,
    since: datetime,
    until: datetime,
    *,
    services: Iterable[str] = (),
    mode: str = "auto",
    exclude_entity_types: Iterable[str] = DEFAULT_EXCLUDED,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[datetime, set[str]], int]:
    """Audit ids per UTC hour from the API, and how many were excluded by entity type."""
    excluded_types = {t.lower() for t in exclude_entity_types}
    wanted = sorted(services)
    cache: dict[str, list[str]] = {}
    out: dict[datetime, set[str]] = {}
    excluded = 0
    for window in split(since, until, timedelta(hours=1)):
        api = choose_api(window, mode, now=now)
        names = wanted or cache.setdefault(api, reader.services(api))
        for service in names:
            for page in reader.pages(window, service, api):
                for message in page.entities:
                    rid = message.get("id")
                    when = parse_event_time(message.get("eventDate"))
                    if not isinstance(rid, str) or not rid:
                        continue
                    if str(message.get("entityType") or "").lower() in excluded_types:
                        excluded += 1
                        continue
                    hour = hour_of(when) if when is not None else hour_of(window.start)
                    out.setdefault(hour, set()).add(rid)
        if progress is not None:
            progress(window.interval)
    return out, excluded


def trail_ids_by_hour(
    logs_client: Any,
    log_group: str,
    since: datetime,
    until: datetime,
    *,
    read_until: datetime | None = None,
) -> dict[datetime, set[str]]:
    """Audit ids per UTC hour (of the audit's eventTime) in the trail log group.

    Log events are read from `since` (minus 5 minutes of clock skew) to `read_until` (default: no end,
    so records backfilled later are seen too); only audits whose time falls in [since, until) count.
    """
    kwargs: dict[str, Any] = {"logGroupName": log_group, "startTime": int((since - timedelta(minutes=5)).timestamp()
                                                                               * 1000)}
    if read_until is not None:
        kwargs["endTime"] = int(read_until.timestamp() * 1000)
    out: dict[datetime, set[str]] = {}
    paginator = logs_client.get_paginator("filter_log_events")
    for page in paginator.paginate(**kwargs):
        for event in page.get("events") or []:
            try:
                data = json.loads(event.get("message") or "")
            except ValueError:
                continue
            view = AuditView.of(data)
            if view.audit_id is None:
                continue
            when = parse_event_time(view.event_time)
            if when is None:
                stamp = event.get("timestamp")
                when = datetime.fromtimestamp(stamp / 1000, tz=since.tzinfo) if isinstance(stamp, int) else None
            if when is None or not since <= when < until:
                continue
            out.setdefault(hour_of(when), set()).add(view.audit_id)
    return out


def compare(
    api: dict[datetime, set[str]],
    trail: dict[datetime, set[str]],
    since: datetime,
    until: datetime,
    *,
    excluded: int = 0,
) -> GapReport:
    """Per-hour counts and the ids missing from the trail."""
    hours: list[HourCount] = []
    for window in split(since, until, timedelta(hours=1)):
        hour = hour_of(window.start)
        a = api.get(hour, set())
        t = trail.get(hour, set())
        hours.append(HourCount(hour, len(a), len(t), sorted(a - t), sorted(t - a)))
    return GapReport(
        since=since, until=until, hours=hours,
        api_total=sum(len(v) for v in api.values()), trail_total=sum(len(v) for v in trail.values()),
        excluded=excluded,
    )


def detect_gaps(
    reader: AuditApiReader,
    logs_client: Any,
    log_group: str,
    since: datetime,
    until: datetime,
    *,
    services: Iterable[str] = (),
    mode: str = "auto",
    exclude_entity_types: Iterable[str] = DEFAULT_EXCLUDED,
    read_until: datetime | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> GapReport:
    """Count audits per hour in the API and in the trail; report the hours with holes."""
    api, excluded = api_ids_by_hour(reader, since, until, services=services, mode=mode,
                                    exclude_entity_types=exclude_entity_types, now=now, progress=progress)
    trail = trail_ids_by_hour(logs_client, log_group, since, until, read_until=read_until)
    return compare(api, trail, since, until, excluded=excluded)
