"""Threshold function settings from environment variables (frozen, validated at cold start)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from genesys_audit.config import env_bool, env_int, env_str
from genesys_audit.errors import ConfigError


@dataclass(frozen=True)
class ThresholdSettings:
    """Everything the threshold handler reads from its environment."""

    table: str
    topic_arn: str
    claim_seconds: int = 120
    claim_wait_ms: int = 3000
    retention_seconds: int = 86400
    skip_replays: bool = False
    tracing_enabled: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ThresholdSettings:
        """Read and validate; raises ConfigError naming the variable."""
        topic = env_str("ALERT_TOPIC_ARN", env=env)
        if not topic.startswith("arn:") or ":sns:" not in topic:
            raise ConfigError(f"ALERT_TOPIC_ARN must be an SNS topic ARN, got {topic!r}")
        return cls(
            table=env_str("THRESHOLD_TABLE_NAME", env=env),
            topic_arn=topic,
            # How long the invocation that claimed a window's alert keeps it before another may send it (if it died).
            claim_seconds=env_int("THRESHOLD_CLAIM_SECONDS", 120, minimum=30, maximum=86400, env=env),
            # How long an invocation waits for another one's claimed alert before failing (to be retried).
            claim_wait_ms=env_int("THRESHOLD_CLAIM_WAIT_MS", 3000, minimum=0, maximum=60000, env=env),
            # Items live this long past their window's end (EventBridge retries for up to 24 hours).
            retention_seconds=env_int("THRESHOLD_RETENTION_SECONDS", 86400, minimum=3600, env=env),
            skip_replays=env_bool("THRESHOLD_SKIP_REPLAYS", False, env=env),
            tracing_enabled=env_bool("TRACING_ENABLED", False, env=env),
        )
