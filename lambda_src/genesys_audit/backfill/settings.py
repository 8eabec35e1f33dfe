"""Scheduled backfill settings from environment variables (frozen, validated at cold start)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from genesys_audit.audit import AUDIT_DETAIL_TYPE
from genesys_audit.backfill.errors import BackfillError
from genesys_audit.backfill.regions import api_base_url
from genesys_audit.backfill.run import DEFAULT_SOURCE, MODES
from genesys_audit.config import env_bool, env_int, env_list, env_opt_str, env_str
from genesys_audit.errors import ConfigError


@dataclass(frozen=True)
class BackfillSettings:
    """Everything the scheduled backfill handler reads from its environment."""

    event_bus_name: str
    api_base_url: str
    credentials_secret_id: str
    checkpoint_parameter: str
    lookback_hours: int = 24
    settle_minutes: int = 15
    services: tuple[str, ...] = ()
    mode: str = "auto"
    trail_log_group: str | None = None
    source: str = DEFAULT_SOURCE
    detail_type: str = AUDIT_DETAIL_TYPE
    flatten_property_changes: bool = False
    safety_margin_ms: int = 10_000
    tracing_enabled: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BackfillSettings:
        """Read and validate; raises ConfigError naming the variable."""
        bus = env_str("EVENT_BUS_NAME", env=env)
        if bus == "default" or bus.endswith(":event-bus/default") or "aws.partner/" in bus:
            raise ConfigError(
                f"EVENT_BUS_NAME must name a custom event bus, got {bus!r}: the default and partner buses are refused"
            )
        region = env_opt_str("GENESYS_REGION", env=env)
        override = env_opt_str("GENESYS_API_BASE_URL", env=env)
        try:
            base = api_base_url(region, override)
        except BackfillError as exc:
            raise ConfigError(f"GENESYS_REGION: {exc.message}") from None
        mode = env_str("BACKFILL_MODE", "auto", env=env)
        if mode not in MODES:
            raise ConfigError(f"BACKFILL_MODE must be one of {', '.join(MODES)}, got {mode!r}")
        source = env_str("EVENT_SOURCE", DEFAULT_SOURCE, env=env)
        if source.startswith("aws."):
            raise ConfigError(f"EVENT_SOURCE must not start with 'aws.' (reserved by AWS), got {source!r}")
        return cls(
            event_bus_name=bus,
            api_base_url=base,
            credentials_secret_id=env_str("GENESYS_CREDENTIALS_SECRET_ARN", env=env),
            checkpoint_parameter=env_str("CHECKPOINT_PARAMETER_NAME", env=env),
            lookback_hours=env_int("BACKFILL_LOOKBACK_HOURS", 24, minimum=1, maximum=24 * 365, env=env),
            settle_minutes=env_int("BACKFILL_SETTLE_MINUTES", 15, minimum=0, maximum=24 * 60, env=env),
            services=env_list("GENESYS_SERVICE_NAMES", env=env),
            mode=mode,
            trail_log_group=env_opt_str("TRAIL_LOG_GROUP", env=env),
            source=source,
            detail_type=env_str("EVENT_DETAIL_TYPE", AUDIT_DETAIL_TYPE, env=env),
            flatten_property_changes=env_bool("NORMALIZE_CHANGED_PROPERTIES", False, env=env),
            safety_margin_ms=env_int("BACKFILL_SAFETY_MARGIN_MS", 10_000, minimum=0, env=env),
            tracing_enabled=env_bool("TRACING_ENABLED", False, env=env),
        )
