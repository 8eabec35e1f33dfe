"""A read-only view of one audit event, from plain dicts, its fields read through the field table `record`.

Every field is optional, as in the real envelope: `username` is often `{"id": ""}`, `clientId` may be `{}`,
`propertyChanges[].oldValues`/`newValues` may be missing and enums are open. The view never raises on shape:
a field of the wrong type reads as missing, and `audit_id` is None when the record has no usable id.

`redact` is the one redaction applied to everything an alert or a finding copies out of a record: values
under secret-like keys at any depth (inside lists, objects and JSON encoded in strings), and secret-shaped
strings wherever they appear (bearer/basic credentials, `Authorization:` headers, JWTs, AWS access key ids,
PEM private keys, `password=...`-style pairs in text).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from genesys_audit.record import value

AUDIT_DETAIL_TYPE = "v2.audits.entitytype.{id}.entityid.{id}"
VALUE_MAX = 120
REDACTED = "(redacted)"
UNNAMED_PROPERTY = "(unnamed property)"
REDACT_MAX_DEPTH = 32  # deeper structures are replaced whole: nothing below is copied out unchecked
# Values under keys containing one of these (case and separators ignored) are never copied out.
_SECRET_KEY_PARTS = (
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "credential",
    "privatekey",
    "apikey",
    "accesskey",
    "signingkey",
    "authorization",
)
_SECRET_KEY_WORDS = frozenset({"pin", "pins", "pincode"})  # whole words only: not "mapping" or "spinner"
_KEY_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_KEY_IN_TEXT = (
    r"(?:secret|passw(?:or)?d|passphrase|token|credential|private[_-]?key|api[_-]?key|access[_-]?key"
    r"|signing[_-]?key)[\w-]{0,40}+|\bpin(?:code)?\b"
)
# Secret-shaped text, redacted wherever it appears; order matters (a header line before its scheme). Every
# repetition is bounded, possessive or anchored so that no pattern backtracks: hostile text of any length is
# scanned in linear time.
_SECRET_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----|\Z)"),
        REDACTED,
    ),
    (
        re.compile(r"(?im)\b((?:proxy-)?authorization)([ \t]{0,8}[\"']?[ \t]{0,8}[:=][ \t]{0,8}[\"']?)[^\r\n\"']*+"),
        r"\1\2" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|basic)[ \t]{1,8}+[A-Za-z0-9._~+/=-]{6,}+"), r"\1 " + REDACTED),
    (
        re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}+\.eyJ[A-Za-z0-9_-]{4,}+\.[A-Za-z0-9_-]*+"),
        REDACTED,
    ),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), REDACTED),
    (
        re.compile(
            rf"(?i)({_KEY_IN_TEXT})([\"']?[ \t]{{0,8}}[:=][ \t]{{0,8}})(\"[^\"]*+\"?|'[^']*+'?|[^\s\"'&;,}}\]]++)"
        ),
        r"\1\2" + REDACTED,
    ),
)
_PARTNER_SOURCE = re.compile(r"^aws\.partner/genesys\.com(?:\.[a-z]+)?/cloud/(?P<org>[^/]+)/")


def audit_topic_name(entity_type: str | None, entity_id: str | None) -> str:
    """`v2.audits.entitytype.<entityType>.entityid.<entity.id>` as Genesys builds it; missing parts are empty."""
    return f"v2.audits.entitytype.{entity_type or ''}.entityid.{entity_id or ''}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _field(record: dict[str, Any], path: str) -> str | None:
    """A non-blank string field of the record, read through the field table (`entity.id`)."""
    return _text(value(record, path))


def record_actor(record: dict[str, Any]) -> str | None:
    """Who acted: `userId`, else `clientId.id` (client-credentials calls carry no user)."""
    return _field(record, "userId") or _field(record, "clientId.id")


def partner_org_id(source: Any) -> str | None:
    """The Genesys org id in a partner source `aws.partner/genesys.com/cloud/<org>/<suffix>`."""
    match = _PARTNER_SOURCE.match(source) if isinstance(source, str) else None
    return match.group("org") if match else None


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in `...` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 3)].rstrip() + "..."


def is_secret_key(name: str) -> bool:
    """A key or property name whose value is a secret (clientSecret, password, api_key, Authorization, pin...)."""
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    if any(part in squashed for part in _SECRET_KEY_PARTS):
        return True
    return any(word.lower() in _SECRET_KEY_WORDS for word in _KEY_WORD.findall(name))


def redact_text(text: str) -> str:
    """`text` with secret-shaped parts replaced by `(redacted)`; JSON inside it is redacted by key as well."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
        try:
            decoded = json.loads(stripped)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, (dict, list)):
            return json.dumps(redact(decoded), ensure_ascii=False, separators=(", ", ": "))
    for pattern, replacement in _SECRET_SHAPES:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, _depth: int = 0) -> Any:
    """A copy of any JSON value safe to show: secret-keyed values and secret-shaped strings redacted, at any depth."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict | list | tuple) and _depth >= REDACT_MAX_DEPTH:
        return "(nested too deep to show)"
    if isinstance(value, dict):
        return {
            redact_text(str(key)): REDACTED if is_secret_key(str(key)) else redact(item, _depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item, _depth + 1) for item in value]
    return value


def _render(values: tuple[Any, ...] | None) -> str:
    if values is None:
        return "(not sent)"
    shown: Any = redact(values[0] if len(values) == 1 else list(values))
    text = shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False, default=str)
    return shorten(" ".join(text.split()), VALUE_MAX) if text else '""'


@dataclass(frozen=True)
class Change:
    """One changed property; `property` is "" when Genesys sent no name; `old`/`new` are None when not sent."""

    property: str
    old: tuple[Any, ...] | None
    new: tuple[Any, ...] | None

    def is_sensitive(self) -> bool:
        """A secret-like property (secret, token, password, pin...) whose values are never shown."""
        return is_secret_key(self.property)

    def summary(self) -> str:
        """`property: old -> new`, values shortened and redacted; a secret-like property's values never shown."""
        name = redact_text(self.property) if self.property else UNNAMED_PROPERTY
        if self.is_sensitive():
            return f"{name}: changed (value redacted)"
        if self.old is None and self.new is None:
            return f"{name}: changed (values not sent)"
        return f"{name}: {_render(self.old)} -> {_render(self.new)}"


def _values(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, list) else (value,)


def _change(entry: Any) -> Change:
    """Any `propertyChanges` entry is a change: one without a readable name or values is shown as such."""
    if not isinstance(entry, dict):
        return Change("", None, None)
    return Change(_text(entry.get("property")) or "", _values(entry.get("oldValues")), _values(entry.get("newValues")))


def _changes(value: Any) -> tuple[Change, ...]:
    if isinstance(value, list):
        return tuple(_change(entry) for entry in value)
    return (_change(value),) if isinstance(value, dict) else ()


@dataclass(frozen=True)
class AuditView:
    """What alerting and the consumer need to know about one audit event."""

    audit_id: str | None
    entity_type: str | None
    action: str | None
    entity_id: str | None
    entity_name: str | None
    user_id: str | None
    user_display: str | None
    client_id: str | None
    level: str | None
    service_name: str | None
    event_time: str | None
    remote_ips: tuple[str, ...]
    changes: tuple[Change, ...]
    org_id: str | None
    source: str | None
    region: str | None
    replay_name: str | None

    @classmethod
    def of(cls, event: Any) -> AuditView:
        """Build from an EventBridge event (`detail.eventBody`), a notification `detail`, or a bare record."""
        event = event if isinstance(event, dict) else {}
        detail = event.get("detail") if isinstance(event.get("detail"), dict) else None
        if detail is None and isinstance(event.get("eventBody"), dict):
            detail = event
        record = (detail or {}).get("eventBody") if detail is not None else event
        record = record if isinstance(record, dict) else {}
        ips = value(record, "remoteIp")
        return cls(
            audit_id=_field(record, "id"),
            entity_type=_field(record, "entityType"),
            action=_field(record, "action"),
            entity_id=_field(record, "entity.id"),
            entity_name=_field(record, "entity.name"),
            user_id=_field(record, "userId"),
            user_display=_field(record, "userDisplay") or _field(record, "username.name"),
            client_id=_field(record, "clientId.id"),
            level=_field(record, "level"),
            service_name=_field(record, "serviceName"),
            event_time=_field(record, "eventTime"),
            remote_ips=tuple(ip for ip in ips if isinstance(ip, str)) if ips is not None else (),
            changes=_changes(record.get("propertyChanges")),
            org_id=partner_org_id(event.get("source")) or _field(record, "userHomeOrgId"),
            source=_text(event.get("source")),
            region=_text(event.get("region")),
            replay_name=_text(event.get("replay-name")),
        )

    @property
    def actor_kind(self) -> str:
        """`user` when a user acted, `client` for an OAuth client without a user, else `unknown`."""
        if self.user_id:
            return "user"
        return "client" if self.client_id else "unknown"

    @property
    def actor_id(self) -> str | None:
        """The user id, else the OAuth client id."""
        return self.user_id or self.client_id

    @property
    def changed_properties(self) -> tuple[str, ...]:
        """Names of the changed properties, in order, without duplicates (an unnamed change is listed as such)."""
        return tuple(dict.fromkeys(c.property or UNNAMED_PROPERTY for c in self.changes))
