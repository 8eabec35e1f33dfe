"""What a lookup found, and how it reads in an alert or a finding.

Every name here is attacker-controlled text (anyone who can edit a user can name it `<!here>`): it is kept
raw but folded to one line and bounded; the alert redacts and escapes it per channel like any other field
taken from the record, and the finding goes through `redact`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NAME_MAX = 80
NAMES_UNAVAILABLE = "names unavailable"


def clean(value: Any, limit: int = NAME_MAX) -> str | None:
    """One line of at most `limit` characters, or None for anything but non-blank text."""
    if not isinstance(value, str):
        return None
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


@dataclass(frozen=True)
class Found:
    """One object the API answered for: its name and a few details, or `deleted` (404)."""

    kind: str
    id: str
    name: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    deleted: bool = False
    role_ids: tuple[str, ...] = ()  # an OAuth client's roles, looked up next when time is left

    def detail(self, key: str) -> str | None:
        return next((value for k, value in self.details if k == key), None)


@dataclass(frozen=True)
class Names:
    """The outcome of one enrichment: what was found, and why the rest is missing."""

    found: Mapping[tuple[str, str], Found] = field(default_factory=dict)
    failures: tuple[str, ...] = ()  # short reasons ("timed out", "HTTP 429 (throttled)"), deduplicated

    @property
    def status(self) -> str:
        """`resolved` (every lookup answered), `partial`, or `unavailable` (none answered)."""
        if not self.failures:
            return "resolved"
        return "partial" if self.found else "unavailable"

    @property
    def note(self) -> str | None:
        """`names unavailable: timed out; ids shown` when some lookups failed, else None."""
        if not self.failures:
            return None
        prefix = f"some {NAMES_UNAVAILABLE}" if self.found else NAMES_UNAVAILABLE
        return f"{prefix}: {'; '.join(self.failures)}; ids shown"

    def get(self, kind: str, ident: str | None) -> Found | None:
        return self.found.get((kind, ident)) if ident else None

    def label(self, ident: str) -> str | None:
        """The name for `ident` (any kind), `deleted` for a deleted object, or None."""
        for (_, key), item in self.found.items():
            if key == ident:
                return "deleted" if item.deleted else item.name
        return None

    def short_name(self, kind: str, ident: str | None) -> str | None:
        """The bare name of a live object (for the alert subject), else None."""
        item = self.get(kind, ident)
        return item.name if item is not None and not item.deleted else None

    def user_text(self, ident: str | None) -> str | None:
        """`Jane Doe <jane@example.com> (Security Engineer, IT Security; active)`, `deleted user`, or None."""
        item = self.get("user", ident)
        if item is None:
            return None
        if item.deleted:
            return "deleted user"
        about = ", ".join(v for v in (item.detail("title"), item.detail("department")) if v)
        state = item.detail("state")
        extra = "; ".join(v for v in (about, state) if v)
        email = item.detail("email")
        return (item.name or "(no name)") + (f" <{email}>" if email else "") + (f" ({extra})" if extra else "")

    def client_text(self, ident: str | None) -> str | None:
        """`Legacy Reporting (grant client-credentials; roles Admin, Reporting)`, `deleted OAuth client`, or None."""
        item = self.get("client", ident)
        if item is None:
            return None
        if item.deleted:
            return "deleted OAuth client"
        parts = []
        if grant := item.detail("grant"):
            parts.append(f"grant {grant}")
        roles = [self.label(role) or role for role in item.role_ids]
        if roles:
            parts.append("roles " + ", ".join(roles))
        return (item.name or "(no name)") + (f" ({'; '.join(parts)})" if parts else "")

    def as_dict(self) -> dict[str, Any]:
        """For a finding: status, note, and each object found (`deleted` or its name and details)."""
        return {
            "status": self.status,
            "note": self.note,
            "resolved": [
                {"kind": item.kind, "id": item.id, **({"deleted": True} if item.deleted else {"name": item.name}),
                 **dict(item.details)}
                for item in self.found.values()
            ],
        }
