"""Turn a matched audit event into an alert people act on: subject, facts, changes, and each channel's payload.

Pure functions over plain dicts; no AWS, no HTTP. The rule's input transformer sends
`{"rule", "severity", "title", "runbook_url", "event": <aws.events.event>}`; a bare event is accepted too.

Everything taken from the record is hostile text (an insider names the objects): facts, subject and changes
go through `redact`; Slack text has `&`, `<`, `>` escaped in every field (no mention, no planted link); Teams
text has its Markdown punctuation backslash-escaped (CommonMark shows it literally: no link, no emphasis).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from genesys_audit.audit import AuditView, redact_text, shorten
from genesys_audit.enrichment.names import Names

SUBJECT_MAX = 100  # SNS: <= 100 ASCII characters, no line breaks or control characters
SUBJECT_ACTOR_MAX = 30  # an actor's name in the subject (its id is shown in the body)
CHAT_CHANGES_MAX = 15
TEXT_CHANGES_MAX = 50
DEFAULT_SEVERITY = "HIGH"
# PagerDuty Events v2 accepts critical, error, warning, info.
PAGERDUTY_SEVERITY = {"CRITICAL": "critical", "HIGH": "error", "MEDIUM": "warning", "LOW": "info", "INFO": "info"}
POSSIBLY_REPEATED = "the deduplication store was unavailable: this alert may repeat one already sent"
# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones Adaptive Card Markdown uses
# (links, emphasis, code, lists, autolinks, entities), plus the backslash itself.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>!~#|&])")
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # line breaks kept, other controls shown as space
_MARKDOWN_LIST_MARKER = re.compile(r"(?m)^(\s*)(?:([-+=])|(\d+)\.)")


class AlertInputError(ValueError):
    """The payload is neither the rule's input transformer output nor an EventBridge audit event."""


@dataclass(frozen=True)
class AlertInput:
    """What the rule target sends."""

    event: dict[str, Any]
    rule: str | None = None
    severity: str = DEFAULT_SEVERITY
    title: str | None = None
    runbook_url: str | None = None


def parse_input(payload: Any) -> AlertInput:
    """Read the input transformer's object, or a bare EventBridge event; raise AlertInputError otherwise."""
    if not isinstance(payload, dict):
        raise AlertInputError(f"alert input must be a JSON object, got {type(payload).__name__}")
    wrapped = isinstance(payload.get("event"), dict)
    event = payload["event"] if wrapped else payload
    detail = event.get("detail")
    if not isinstance(detail, dict) or not isinstance(detail.get("eventBody"), dict):
        raise AlertInputError(
            "alert input has no detail.eventBody: send the EventBridge event (<aws.events.event>) of a Genesys "
            "audit notification, bare or as the 'event' key of the rule's input transformer"
        )
    if not wrapped:
        return AlertInput(event=event)

    def text(key: str) -> str | None:
        value = payload.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    return AlertInput(
        event=event,
        rule=text("rule"),
        severity=(text("severity") or DEFAULT_SEVERITY).upper(),
        title=text("title"),
        runbook_url=text("runbook_url"),
    )


def ascii_line(text: str) -> str:
    """One line of printable ASCII: accents folded, control characters and line breaks turned into spaces."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join("".join(ch if ch.isprintable() else " " for ch in folded).split())


def subject(severity: str, view: AuditView, names: Names | None = None) -> str:
    """`CRITICAL: OAuthClient [Prod-API-Key] Delete by user [<userId>]`, at most 100 ASCII characters.

    With names, the actor is shown by name (`by user [Jane Doe]`; the ids stay in the body). When too long
    the names are shortened first (the entity's, then the actor's), so the severity, type and action survive.
    """
    head = ascii_line(f"{severity}: {view.entity_type or 'UnknownEntity'} [")
    name = ascii_line(redact_text(view.entity_name or view.entity_id or "unnamed"))
    kind = view.actor_kind
    actor_name = names.short_name("user" if kind == "user" else "client", view.actor_id) if names else None
    actor = shorten(ascii_line(redact_text(actor_name)), SUBJECT_ACTOR_MAX) if actor_name else ""
    actor = actor or ascii_line(view.actor_id or "unknown")
    middle = ascii_line(f"] {view.action or 'Change'} by {kind} [")
    room = SUBJECT_MAX - len(head) - len(middle) - 1
    if room >= 8:
        if len(name) + len(actor) > room:
            name = shorten(name, max(8, room - len(actor)))
            actor = shorten(actor, room - len(name))
        return f"{head}{name}{middle}{actor}]"
    return shorten(f"{head}{name}{middle}{actor}]", SUBJECT_MAX)


@dataclass(frozen=True)
class Alert:
    """One alert, rendered once and sent to every channel."""

    subject: str
    severity: str
    rule: str | None
    title: str | None
    runbook_url: str | None
    view: AuditView
    facts: tuple[tuple[str, str], ...]
    changes: tuple[str, ...]
    possibly_repeated: bool = False

    @property
    def dedup_key(self) -> str | None:
        """Audit id + rule: one alert per rule that matched the record, so a LOW rule never hides a CRITICAL one."""
        if self.view.audit_id is None:
            return None
        return f"{self.view.audit_id}/{self.rule or 'unknown-rule'}"

    def marked_possibly_repeated(self) -> Alert:
        """The same alert saying it may be a repeat (sent while deduplication was unavailable)."""
        if self.possibly_repeated:
            return self
        return replace(self, possibly_repeated=True, facts=(*self.facts, ("Possibly repeated", POSSIBLY_REPEATED)))

    @property
    def headline(self) -> str:
        """The rule's title, or the subject when the rule sent none."""
        return self.title or self.subject

    def text(self) -> str:
        """Plain-text body (SNS e-mail and SMS subscribers, logs)."""
        width = max(len(label) for label, _ in self.facts)
        lines = [self.subject, "", *(f"{label + ':':<{width + 1}} {value}" for label, value in self.facts)]
        if self.changes:
            lines += ["", "Property changes:"]
            lines += [f"  - {line}" for line in self.changes[:TEXT_CHANGES_MAX]]
            if len(self.changes) > TEXT_CHANGES_MAX:
                lines.append(f"  ... and {len(self.changes) - TEXT_CHANGES_MAX} more")
        if self.runbook_url:
            lines += ["", f"Runbook: {self.runbook_url}"]
        return "\n".join(lines) + "\n"


def _who(view: AuditView, names: Names | None = None) -> str:
    user = names.user_text(view.user_id) if names else None
    client = names.client_text(view.client_id) if names else None
    if view.user_id:
        who = f"user {view.user_id}" + (f" ({view.user_display})" if view.user_display else "")
        who += f": {user}" if user else ""
        if view.client_id:
            who += f" via OAuth client {view.client_id}" + (f": {client}" if client else "")
        return who
    if view.client_id:
        return f"OAuth client {view.client_id}" + (f": {client}" if client else "") + " (no user: client credentials)"
    return "unknown (no userId or clientId in the record)"


def _what(view: AuditView, names: Names | None = None) -> str:
    entity = f'"{view.entity_name}"' if view.entity_name else "(no name)"
    ident = f" id {view.entity_id}" if view.entity_id else ""
    what = f"{view.action or 'Change'} {view.entity_type or 'unknown entity'} {entity}{ident}"
    now = names.label(view.entity_id) if names and view.entity_id else None
    if now == "deleted":
        return what + " (deleted in Genesys: the name is the audit's)"
    if now and now != view.entity_name:
        return what + f' (now named "{now}")'
    return what


def _named_change(line: str, names: Names | None) -> str:
    """A change summary with each id Genesys named shown as `id (name)` (`id (deleted)` if gone)."""
    if names is None:
        return line
    for kind, ident in names.found:
        label = names.label(ident)
        if kind in ("division", "role") and label and ident in line:
            line = line.replace(ident, f"{ident} ({redact_text(label)})")
    return line


def _where(view: AuditView) -> str:
    parts = []
    if view.remote_ips:
        parts.append(f"remote IP {', '.join(view.remote_ips)}")
    if view.service_name:
        parts.append(f"Genesys service {view.service_name}")
    if view.region:
        parts.append(f"AWS region {view.region}")
    return "; ".join(parts) or "unknown"


def build_alert(alert_input: AlertInput, view: AuditView | None = None, names: Names | None = None) -> Alert:
    """Render the alert for one matched event; `names` (enrichment) adds names next to the ids."""
    view = view or AuditView.of(alert_input.event)
    rule = alert_input.rule or "unknown rule"
    facts = [
        ("Rule", f"{rule} ({alert_input.title})" if alert_input.title else rule),
        ("Who", _who(view, names)),
        ("What", _what(view, names)),
        ("When", view.event_time or "unknown"),
        ("Where", _where(view)),
        ("Genesys org", view.org_id or "unknown"),
        ("Audit id", view.audit_id or "none"),
    ]
    if names is not None and names.note:
        facts.append(("Names", names.note))
    if view.replay_name:
        facts.append(("Replay", f"{view.replay_name} (re-sent from the EventBridge archive)"))
    return Alert(
        subject=subject(alert_input.severity, view, names),
        severity=alert_input.severity,
        rule=alert_input.rule,
        title=alert_input.title,
        runbook_url=alert_input.runbook_url,
        view=view,
        facts=tuple((label, redact_text(value)) for label, value in facts),
        changes=tuple(_named_change(c.summary(), names) for c in view.changes),
    )


def _chat_changes(alert: Alert) -> str:
    shown = list(alert.changes[:CHAT_CHANGES_MAX])
    if len(alert.changes) > CHAT_CHANGES_MAX:
        shown.append(f"... and {len(alert.changes) - CHAT_CHANGES_MAX} more")
    return "\n".join(shown)


def slack_escape(text: str) -> str:
    """`&`, `<`, `>` as Slack entities: no `<!here>` mention, `<@user>` ping or `<url|label>` link survives."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams_escape(text: str) -> str:
    """Markdown punctuation backslash-escaped, so a TextBlock or Fact shows it literally (no link, no emphasis).

    Control characters become spaces, whitespace is folded and blank lines dropped first, so no indentation
    or paragraph structure is left to read as a code block or a heading either.
    """
    text = _CONTROL.sub(" ", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", "\n".join(line for line in lines if line))
    return _MARKDOWN_LIST_MARKER.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\.", escaped)


def slack_payload(alert: Alert) -> dict[str, Any]:
    """Slack incoming-webhook message with Block Kit blocks (`text` is the notification fallback)."""
    subject_text = slack_escape(alert.subject)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": shorten(subject_text, 150)}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": shorten(f"*{slack_escape(label)}*\n{slack_escape(value)}", 2000)}
                for label, value in alert.facts[:10]
            ],
        },
    ]
    if alert.changes:
        changes = slack_escape(_chat_changes(alert))
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": shorten(f"*Property changes*\n```{changes}```", 3000)},
            }
        )
    if alert.runbook_url:
        url = slack_escape(alert.runbook_url).replace("|", "%7C")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{url}|Runbook>"}]})
    return {"text": subject_text, "blocks": blocks}


def teams_payload(alert: Alert) -> dict[str, Any]:
    """Microsoft Teams workflow webhook message carrying an Adaptive Card."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": teams_escape(alert.subject),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            "color": "Attention" if alert.severity in {"CRITICAL", "HIGH"} else "Warning",
        },
        {
            "type": "FactSet",
            "facts": [{"title": teams_escape(label), "value": teams_escape(value)} for label, value in alert.facts],
        },
    ]
    if alert.changes:
        body.append({"type": "TextBlock", "text": "Property changes", "weight": "Bolder", "wrap": True})
        changes = teams_escape(_chat_changes(alert))
        body.append({"type": "TextBlock", "text": changes, "wrap": True, "fontType": "Monospace"})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if alert.runbook_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Runbook", "url": alert.runbook_url}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def pagerduty_payload(alert: Alert, routing_key: str) -> dict[str, Any]:
    """PagerDuty Events API v2 trigger; `dedup_key` is audit id + rule, so repeats merge but rules do not."""
    view = alert.view
    payload: dict[str, Any] = {
        "summary": shorten(alert.subject, 1024),
        "source": f"genesys-cloud-org-{view.org_id}" if view.org_id else "genesys-cloud",
        "severity": PAGERDUTY_SEVERITY.get(alert.severity, "error"),
        "custom_details": {
            **{label: value for label, value in alert.facts},
            "Property changes": list(alert.changes[:TEXT_CHANGES_MAX]),
        },
    }
    if view.event_time:
        payload["timestamp"] = view.event_time
    for key, value in (("component", view.entity_type), ("group", view.service_name), ("class", view.action)):
        if value:
            payload[key] = value
    message: dict[str, Any] = {"routing_key": routing_key, "event_action": "trigger", "payload": payload}
    if alert.dedup_key:
        message["dedup_key"] = alert.dedup_key
    if alert.runbook_url:
        message["links"] = [{"href": alert.runbook_url, "text": "Runbook"}]
    return message


def sns_attributes(alert: Alert) -> dict[str, dict[str, str]]:
    """SNS message attributes, so subscriptions can filter (e.g. only CRITICAL to the pager e-mail)."""
    values = {
        "severity": alert.severity,
        "rule": alert.rule,
        "entityType": alert.view.entity_type,
        "action": alert.view.action,
    }
    return {k: {"DataType": "String", "StringValue": v} for k, v in values.items() if v}
