"""The backfill loop: windows x services -> pages of audits -> partner-shaped entries -> PutEvents.

Entries go through `genesys_audit.ingestion.putevents.put_events`, the ingestion Lambda's batching and
retry loop. They carry the webhook path's `source` and the audit `detail-type`, so the same rules on the
custom bus match them, plus `detail.backfill` to tell them apart. The checkpoint is saved after every put
page and every finished service and window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_audit.audit import AUDIT_DETAIL_TYPE
from genesys_audit.backfill.api import QUERY, REALTIME, AuditApiReader, choose_api
from genesys_audit.backfill.checkpoint import Checkpoint, CheckpointStore
from genesys_audit.backfill.convert import to_detail
from genesys_audit.backfill.errors import BackfillInputError, PutFailed
from genesys_audit.backfill.windows import Window, iso, split
from genesys_audit.ingestion.normalize import build_entries
from genesys_audit.ingestion.putevents import PutEventsLimits, RetryPolicy, put_events

DEFAULT_SOURCE = "genesys.audit.webhook"  # the webhook path's source: rules on the custom bus accept it
MODES = ("auto", REALTIME, QUERY)


@dataclass(frozen=True)
class BackfillOptions:
    """What to backfill and where to put it."""

    since: datetime
    until: datetime
    bus_name: str
    services: tuple[str, ...] = ()  # empty: every service in the API's service mapping
    window: timedelta = timedelta(hours=1)
    mode: str = "auto"
    source: str = DEFAULT_SOURCE
    detail_type: str = AUDIT_DETAIL_TYPE
    flatten_property_changes: bool = False
    dry_run: bool = False
    sample_size: int = 3
    limits: PutEventsLimits = field(default_factory=PutEventsLimits)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise BackfillInputError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.source.startswith("aws."):
            raise BackfillInputError(f"source {self.source!r} starts with 'aws.', which AWS reserves for itself")
        if not self.bus_name:
            raise BackfillInputError("an event bus name is required")


@dataclass
class Progress:
    """Passed to the progress callback after every page and window."""

    windows_total: int
    windows_done: int
    window: Window | None
    service: str | None
    read: int
    put: int


@dataclass
class BackfillReport:
    """What a run did."""

    run_id: str
    dry_run: bool
    windows_total: int = 0
    windows_skipped: int = 0  # done in an earlier run (checkpoint)
    windows_done: int = 0
    services: list[str] = field(default_factory=list)
    read: int = 0
    put: int = 0
    duplicates_skipped: int = 0
    present_skipped: int = 0  # already in the trail (`present` callback): not put again
    put_calls: int = 0
    api_calls: int = 0
    rate_limited: int = 0
    complete: bool = False
    sample: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary (without the sample)."""
        return {k: v for k, v in self.__dict__.items() if k != "sample"}


def _audit_id(message: dict[str, Any]) -> str | None:
    rid = message.get("id")
    return rid if isinstance(rid, str) and rid else None


class _Run:
    """One run's state: the checkpoint, the report, and the put of each page."""

    def __init__(self, reader: AuditApiReader, events_client: Any, options: BackfillOptions, *,
                 store: CheckpointStore | None, state: Checkpoint, now: datetime | None,
                 progress: Callable[[Progress], None] | None,
                 present: Callable[[Window], set[str]] | None = None) -> None:
        self.reader = reader
        self.events = events_client
        self.options = options
        self.store = store
        self.state = state
        self.now = now
        self.progress = progress
        self.present = present
        self.report = BackfillReport(run_id=state.run_id, dry_run=options.dry_run)
        self.stamp = iso(now or datetime.now(UTC))
        self.wanted = state.services
        self.by_api: dict[str, list[str]] = {}

    def save(self) -> None:
        if self.store is not None and not self.options.dry_run:
            self.store.save(self.state.to_state())

    def tell(self, window: Window | None, service: str | None) -> None:
        if self.progress is not None:
            r = self.report
            self.progress(Progress(r.windows_total, r.windows_skipped + r.windows_done, window, service, r.read, r.put))

    def services_for(self, api: str) -> list[str]:
        if self.wanted:
            return self.wanted
        if api not in self.by_api:
            self.by_api[api] = self.reader.services(api)
        return self.by_api[api]

    def window(self, window: Window, out_of_time: Callable[[], bool]) -> bool:
        """Put one window; False when time ran out part-way (the checkpoint has the progress)."""
        api = choose_api(window, self.options.mode, now=self.now)
        present = self.present(window) if self.present is not None else set()
        for service in self.services_for(api):
            if service not in self.report.services:
                self.report.services.append(service)
            if self.state.service_done(window.key, service):
                continue
            seen = self.state.put_ids(window.key, service)
            for page in self.reader.pages(window, service, api):
                if out_of_time():
                    return False
                try:
                    self.page(page.entities, seen, window, service=service, api=api, present=present)
                finally:
                    self.save()  # also when PutEvents failed part-way: the accepted ids are kept
                self.tell(window, service)
            self.state.finish_service(window.key, service)
            self.save()
        self.state.finish_window(window.key)
        self.report.windows_done += 1
        self.save()
        self.tell(window, None)
        return True

    def page(self, entities: list[dict[str, Any]], seen: set[str], window: Window, *, service: str, api: str,
             present: set[str]) -> None:
        report, options = self.report, self.options
        report.read += len(entities)
        details: list[dict[str, Any]] = []
        ids: list[str | None] = []
        for message in entities:
            rid = _audit_id(message)
            if rid is not None and rid in seen:
                report.duplicates_skipped += 1  # put before a restart, or repeated by the API's paging
                continue
            if rid is not None and rid in present:
                report.present_skipped += 1
                continue
            if rid is not None:
                seen.add(rid)
            detail = to_detail(message, run_id=self.state.run_id, api=api)
            detail["timestamp"] = detail["timestamp"] or self.stamp
            details.append(detail)
            ids.append(rid)
        if not details:
            return
        if options.dry_run:
            report.put += len(details)
            room = options.sample_size - len(report.sample)
            report.sample.extend(details[: max(0, room)])
            return
        entries = build_entries(details, source=options.source, detail_type=options.detail_type,
                                flatten=options.flatten_property_changes)
        result = put_events(self.events, entries, bus_name=options.bus_name, limits=options.limits,
                            retry=options.retry)
        report.put_calls += result.calls
        accepted = sorted(result.event_ids)
        self.state.add_ids(window.key, service, [i for i in (ids[n] for n in accepted) if i is not None],
                           len(accepted))
        report.put += len(accepted)
        if result.ok:
            return
        for failed in result.failed:  # not put: a restart must put them
            rid = ids[failed.index]
            if rid is not None:
                seen.discard(rid)
        first = result.failed[0]
        raise PutFailed(
            f"{len(result.failed)} of {len(entries)} entries of {service} {window.interval} were not accepted by "
            f"{options.bus_name} (first: {first.error_code} {first.error_message}); the checkpoint has the ones "
            "that were: run again to resume",
            details=[{"index": f.index, "code": f.error_code} for f in result.failed[:20]],
        )


def run_backfill(
    reader: AuditApiReader,
    events_client: Any,
    options: BackfillOptions,
    store: CheckpointStore | None = None,
    *,
    where: str = "checkpoint",
    progress: Callable[[Progress], None] | None = None,
    deadline: Callable[[], float] | None = None,
    now: datetime | None = None,
    prune_before: datetime | None = None,
    present: Callable[[Window], set[str]] | None = None,
) -> BackfillReport:
    """Read [since, until) from the audit API and put every record once; resumable through `store`.

    `deadline()` returns seconds left: the run stops between pages when it reaches 0 (`complete` False).
    `present(window)` returns audit ids the trail already has for a window: those are not put (backfill
    only the holes; see `trail_presence`).
    """
    wanted = sorted(options.services) or None
    saved = store.load() if store is not None else None
    if saved is not None:
        state = Checkpoint.from_state(saved, where=where)
        state.check_matches(options.bus_name, wanted, where=where)
    else:
        state = Checkpoint.new(options.bus_name, wanted)
    if prune_before is not None:
        state.prune(prune_before)
    run = _Run(reader, events_client, options, store=store, state=state, now=now, progress=progress,
               present=present)
    report = run.report
    windows = list(split(options.since, options.until, options.window))
    report.windows_total = len(windows)

    def out_of_time() -> bool:
        return deadline is not None and deadline() <= 0

    try:
        for window in windows:
            if state.is_done(window.key):
                report.windows_skipped += 1
                run.tell(window, None)
                continue
            if not run.window(window, out_of_time):
                return report
        report.complete = True
        return report
    finally:
        report.api_calls = reader.calls
        report.rate_limited = reader.rate_limited


def trail_presence(logs_client: Any, log_group: str) -> Callable[[Window], set[str]]:
    """`present` for `run_backfill`: the audit ids the trail log group has for a window."""
    from genesys_audit.backfill.gaps import trail_ids_by_hour

    def present(window: Window) -> set[str]:
        found: set[str] = set()
        for ids in trail_ids_by_hour(logs_client, log_group, window.start, window.end).values():
            found |= ids
        return found

    return present
