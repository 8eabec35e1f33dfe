"""Cached Secrets Manager fetch with JSON-or-string parsing (rotation aware)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class SecretPair:
    """The current secret and, during rotation, the previous one."""

    current: str
    previous: str | None = None

    def candidates(self) -> tuple[str, ...]:
        """Secrets to try, current first."""
        return (self.current,) if not self.previous else (self.current, self.previous)


def parse_secret(raw: str | bytes) -> SecretPair:
    """Parse `{"current": ..., "previous": ...}` (also `secret`/`value` keys) or a plain string.

    A plain string is stripped of surrounding whitespace: a trailing newline (what `file://` adds) is never part
    of the key.
    """
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data: Any = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            current = data.get("current") or data.get("secret") or data.get("value")
            previous = data.get("previous")
            if not isinstance(current, str) or not current:
                raise ValueError("secret JSON has no non-empty 'current' string")
            return SecretPair(current, previous if isinstance(previous, str) and previous else None)
    if not stripped:
        raise ValueError("secret is empty")
    return SecretPair(stripped)


def get_secret_string(secret_id: str, *, max_age: int = DEFAULT_MAX_AGE_SECONDS, force: bool = False) -> str:
    """Fetch a secret string through Powertools parameters (cached for `max_age` seconds; `force` skips the cache)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(secret_id, max_age=max_age, force_fetch=force)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def get_secret_pair(secret_id: str, *, max_age: int = DEFAULT_MAX_AGE_SECONDS, force: bool = False) -> SecretPair:
    """Fetch and parse a (possibly rotating) secret; cached for `max_age` seconds (`force` skips the cache)."""
    return parse_secret(get_secret_string(secret_id, max_age=max_age, force=force))


@dataclass
class RefreshGate:
    """Allows a forced secret refresh at most once per `interval_seconds` (per container).

    A caller that sees a credential mismatch may refetch the secret (it may have just been rotated) without
    letting a stream of bad requests turn into a stream of Secrets Manager calls.
    """

    interval_seconds: float
    clock: Callable[[], float] = time.monotonic
    _last: float | None = field(default=None, init=False)

    def allow(self) -> bool:
        """True (and start a new interval) when no refresh happened within the last interval."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval_seconds:
            return False
        self._last = now
        return True


def clear_cache() -> None:
    """Drop Powertools' cached parameter values (tests, forced refresh)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
