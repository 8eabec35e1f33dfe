"""Alert settings from environment variables (frozen, validated at cold start)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from genesys_audit.alerting.channels import PAGERDUTY_EVENTS_URL, ChannelError, check_url
from genesys_audit.config import env_bool, env_int, env_opt_str, env_str
from genesys_audit.enrichment.settings import EnrichmentSettings
from genesys_audit.errors import ConfigError
from genesys_audit.idempotency import IdempotencySettings


@dataclass(frozen=True)
class AlertSettings:
    """Everything the alert handler reads from its environment."""

    topic_arn: str
    idempotency: IdempotencySettings
    skip_replays: bool = False
    slack_secret_id: str | None = None
    teams_secret_id: str | None = None
    pagerduty_secret_id: str | None = None
    pagerduty_events_url: str = PAGERDUTY_EVENTS_URL
    http_timeout_seconds: int = 5
    deadline_margin_ms: int = 1500
    secret_max_age_seconds: int = 300
    tracing_enabled: bool = False
    enrichment: EnrichmentSettings = field(default_factory=EnrichmentSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertSettings:
        """Read and validate; raises ConfigError naming the variable."""
        topic = env_str("ALERT_TOPIC_ARN", env=env)
        if not topic.startswith("arn:") or ":sns:" not in topic:
            raise ConfigError(f"ALERT_TOPIC_ARN must be an SNS topic ARN, got {topic!r}")
        pagerduty_url = env_str("PAGERDUTY_EVENTS_URL", PAGERDUTY_EVENTS_URL, env=env)
        try:
            check_url(pagerduty_url, "PAGERDUTY_EVENTS_URL")
        except ChannelError as exc:
            raise ConfigError(str(exc)) from None
        return cls(
            topic_arn=topic,
            idempotency=IdempotencySettings.from_env(env),
            skip_replays=env_bool("ALERT_SKIP_REPLAYS", False, env=env),
            slack_secret_id=env_opt_str("SLACK_SECRET_ARN", env=env),
            teams_secret_id=env_opt_str("TEAMS_SECRET_ARN", env=env),
            pagerduty_secret_id=env_opt_str("PAGERDUTY_SECRET_ARN", env=env),
            pagerduty_events_url=pagerduty_url,
            http_timeout_seconds=env_int("ALERT_HTTP_TIMEOUT_SECONDS", 5, minimum=1, maximum=30, env=env),
            # Kept back from the function's remaining time for recording the alert after the channels.
            deadline_margin_ms=env_int("ALERT_DEADLINE_MARGIN_MS", 1500, minimum=0, env=env),
            secret_max_age_seconds=env_int("ALERT_SECRET_MAX_AGE_SECONDS", 300, minimum=0, env=env),
            tracing_enabled=env_bool("TRACING_ENABLED", False, env=env),
            enrichment=EnrichmentSettings.from_env(env),
        )
