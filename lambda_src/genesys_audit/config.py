"""Read environment variables into typed values; every error names the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping

from genesys_audit.errors import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, env: Mapping[str, str] | None = None) -> str:
    """String setting; raises ConfigError naming `name` when missing and no default."""
    src = os.environ if env is None else env
    value = src.get(name)
    if value is None or value.strip() == "":
        if default is None:
            raise ConfigError(f"{name} is required but not set")
        return default
    return value.strip()


def env_opt_str(name: str, *, env: Mapping[str, str] | None = None) -> str | None:
    """Optional string setting; empty means None."""
    src = os.environ if env is None else env
    value = src.get(name, "").strip()
    return value or None


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Integer setting with optional bounds; raises ConfigError naming `name`."""
    src = os.environ if env is None else env
    raw = src.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be <= {maximum}, got {value}")
    return value


def env_bool(name: str, default: bool, *, env: Mapping[str, str] | None = None) -> bool:
    """Boolean setting (true/false/1/0/yes/no/on/off); raises ConfigError naming `name`."""
    src = os.environ if env is None else env
    raw = src.get(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: tuple[str, ...] = (), *, env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Comma-separated list setting."""
    src = os.environ if env is None else env
    raw = src.get(name)
    if raw is None or raw.strip() == "":
        return default
    return tuple(part.strip() for part in raw.split(",") if part.strip())
