"""One delivery of a threshold rule's target: parse, count once, and send the window's alert once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from genesys_audit.alerting.message import Alert, AlertInput, AlertInputError, ascii_line, parse_input
from genesys_audit.audit import AuditView, redact_text, shorten
from genesys_audit.threshold.counting import (
    AlertPending,
    Counter,
    Threshold,
    ThresholdInputError,
    counter_key,
    group_of,
    parse_threshold,
    parse_time,
    window_of,
)

SUBJECT_MAX = 100
CLAIM_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ThresholdInput:
    """What a threshold rule's target sends: the alert input (rule, severity, title, runbook, event) and the
    threshold."""

    alert: AlertInput
    threshold: Threshold


def parse(payload: Any) -> ThresholdInput:
    """The input transformer's object; raise ThresholdInputError naming what is missing."""
    try:
        alert = parse_input(payload)
    except AlertInputError as exc:
        raise ThresholdInputError(str(exc)) from None
    if alert.rule is None:
        raise ThresholdInputError(
            "threshold input has no 'rule': send the rule's input transformer object "
            '{"rule", "severity", "title", "runbook_url", "threshold", "event": <aws.events.event>}'
        )
    return ThresholdInput(alert=alert, threshold=parse_threshold(payload.get("threshold")))


def _who(group_by: str, group: str) -> str:
    if group_by == "actor":
        kind, _, ident = group.partition(":")
        return f"OAuth client {ident}" if kind == "client" else f"user {ident}" if kind == "user" else group
    return {"entity": "entity", "source_ip": "source IP", "user": "user"}[group_by] + f" {group}"


def build_threshold_alert(
    inp: ThresholdInput, view: AuditView, group: str, count: int, window: tuple[Any, Any]
) -> Alert:
    """The burst alert: who (the group), how many, in which window; the event that reached the threshold."""
    t, rule = inp.threshold, inp.alert.rule or "unknown rule"
    start, end = (w.strftime("%Y-%m-%dT%H:%MZ") for w in window)
    who = redact_text(_who(t.group_by, group))
    head = ascii_line(f"{inp.alert.severity}: {inp.alert.title or rule}: {count} in {t.window_minutes} min by") + " "
    subject = head + shorten(ascii_line(who), max(8, SUBJECT_MAX - len(head)))
    facts = [
        ("Rule", f"{rule} ({inp.alert.title})" if inp.alert.title else rule),
        ("Who", who),
        ("Count", f"{count} matching events (threshold {t.count} per {t.group_by} in {t.window_minutes} min)"),
        ("Window", f"{start} to {end} (fixed {t.window_minutes}-minute window, UTC)"),
        ("Last event", f"{view.action or 'Change'} {view.entity_type or 'unknown entity'} {view.entity_id or ''}"),
        ("When", view.event_time or "unknown"),
        ("Genesys org", view.org_id or "unknown"),
        ("Audit id", view.audit_id or "none"),
    ]
    return Alert(
        subject=shorten(subject, SUBJECT_MAX),
        severity=inp.alert.severity,
        rule=inp.alert.rule,
        title=inp.alert.title,
        runbook_url=inp.alert.runbook_url,
        view=view,
        facts=tuple((label, redact_text(value)) for label, value in facts),
        changes=(),
    )


def process(
    inp: ThresholdInput,
    counter: Counter,
    send: Callable[[Alert], Any],
    *,
    wait_seconds: float = 3.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Count the event once; at or above the threshold, send the window's alert unless sent or being sent.

    `send` raises when the alert did not go out: the claim is released and the error re-raised, so
    EventBridge retries; the retry is a duplicate for counting and sends the alert. When another invocation
    holds the claim, wait up to `wait_seconds` for it to finish, else raise AlertPending (retried too)."""
    event = inp.alert.event
    view = AuditView.of(event)
    ident = view.audit_id or (f"event:{event['id']}" if isinstance(event.get("id"), str) and event["id"] else None)
    if ident is None:
        raise ThresholdInputError("audit record has no id and the event no id: it cannot be counted exactly once")
    when = parse_time(view.event_time) or parse_time(event.get("time") if isinstance(event.get("time"), str) else None)
    if when is None:
        raise ThresholdInputError(
            f"audit record {ident} has no valid eventTime (nor the event a time): it cannot be placed in a window"
        )
    t = inp.threshold
    group = group_of(view, t.group_by)
    window = window_of(when, t.window_minutes)
    key = counter_key(inp.alert.rule or "unknown", window[0], group)
    tally = counter.count(key, ident, window[1])
    result: dict[str, Any] = {
        "rule": inp.alert.rule,
        "group": group,
        "window_start": window[0].isoformat(),
        "count": tally.count,
        "threshold": t.count,
        "counted": tally.counted,
    }
    if tally.count < t.count:
        return {**result, "status": "below"}
    token = uuid.uuid4().hex
    give_up = clock() + wait_seconds
    while not tally.alerted and not counter.claim(key, token, int(clock())):
        if clock() >= give_up:
            raise AlertPending(
                f"the alert of {key} is claimed by another invocation and not sent yet: retrying later",
                details={"claimed_until": tally.claimed_until},
            )
        sleep(CLAIM_POLL_SECONDS)
        tally = counter.read(key, counted=tally.counted)
    if tally.alerted:
        return {**result, "status": "already-alerted"}
    tally = counter.read(key, counted=tally.counted)  # the count as of the send
    alert = build_threshold_alert(inp, view, group, tally.count, window)
    try:
        delivered = send(alert)
    except Exception:
        counter.release(key, token)
        raise
    counter.mark_alerted(key, token, tally.count)
    return {**result, "count": tally.count, "status": "alerted", "subject": alert.subject, "delivery": delivered}
