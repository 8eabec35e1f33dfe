"""Consumer settings from environment variables (frozen, validated at cold start)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from genesys_audit.config import env_bool, env_list, env_str
from genesys_audit.enrichment.settings import EnrichmentSettings
from genesys_audit.errors import ConfigError
from genesys_audit.idempotency import IdempotencySettings

_SINK = re.compile(r"^(log|[A-Za-z_][\w.]*:[A-Za-z_]\w*)$")


@dataclass(frozen=True)
class ConsumerSettings:
    """Everything the consumer handler reads from its environment."""

    idempotency: IdempotencySettings
    watched_properties: tuple[str, ...] = ()
    sink: str = "log"
    tracing_enabled: bool = False
    enrichment: EnrichmentSettings = field(default_factory=EnrichmentSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsumerSettings:
        """Read and validate; raises ConfigError naming the variable."""
        sink = env_str("FINDING_SINK", "log", env=env)
        if not _SINK.match(sink):
            raise ConfigError(
                f"FINDING_SINK must be 'log' or 'package.module:function' (a callable taking the finding dict), "
                f"got {sink!r}"
            )
        return cls(
            idempotency=IdempotencySettings.from_env(env),
            watched_properties=env_list("WATCHED_PROPERTIES", env=env),
            sink=sink,
            tracing_enabled=env_bool("TRACING_ENABLED", False, env=env),
            enrichment=EnrichmentSettings.from_env(env),
        )
