"""Ingestion settings from environment variables (frozen, validated at cold start)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from genesys_audit.audit import AUDIT_DETAIL_TYPE
from genesys_audit.config import env_bool, env_int, env_opt_str, env_str
from genesys_audit.errors import ConfigError
from genesys_audit.ingestion.putevents import PutEventsLimits, RetryPolicy

DEFAULT_SOURCE = "genesys.audit.webhook"
DEFAULT_DETAIL_TYPE = AUDIT_DETAIL_TYPE
DEFAULT_SIGNATURE_HEADER = "X-Hub-Signature-256"
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024  # below Lambda's 6 MB synchronous payload limit
# 1,000 records are at least 100 PutEvents calls; 8 at a time that is 13 rounds, well inside the default
# 10 s function timeout even at 100 ms per call (bench/bench_ingestion.py measures it at 20 ms per call).
DEFAULT_MAX_RECORDS = 1_000
MAX_RECORDS_LIMIT = 10_000
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class IngestionSettings:
    """Everything the ingestion handler reads from its environment."""

    event_bus_name: str
    secret_id: str
    source: str = DEFAULT_SOURCE
    detail_type: str = DEFAULT_DETAIL_TYPE
    signature_header: str = DEFAULT_SIGNATURE_HEADER
    timestamp_header: str | None = None
    tolerance_seconds: int = 300
    secret_max_age_seconds: int = 300
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_records: int = DEFAULT_MAX_RECORDS
    flatten_property_changes: bool = False
    tracing_enabled: bool = False
    safety_margin_ms: int = 1000
    limits: PutEventsLimits = field(default_factory=PutEventsLimits)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    putevents_concurrency: int = DEFAULT_CONCURRENCY
    secret_refresh_interval_seconds: int = 60
    replay_table_name: str | None = None
    replay_lease_seconds: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IngestionSettings:
        """Read and validate; raises ConfigError naming the variable."""
        bus = env_str("EVENT_BUS_NAME", env=env)
        if bus == "default" or bus.endswith(":event-bus/default") or "aws.partner/" in bus:
            raise ConfigError(
                f"EVENT_BUS_NAME must name a custom event bus, got {bus!r}: the default and partner buses are refused"
            )
        source = env_str("EVENT_SOURCE", DEFAULT_SOURCE, env=env)
        if source.startswith("aws."):
            raise ConfigError(f"EVENT_SOURCE must not start with 'aws.' (reserved by AWS), got {source!r}")
        max_request = env_int("PUTEVENTS_MAX_REQUEST_BYTES", 262_144, minimum=1024, env=env)
        limits = PutEventsLimits(
            max_entries=env_int("PUTEVENTS_MAX_ENTRIES", 10, minimum=1, maximum=10, env=env),
            max_request_bytes=max_request,
            max_entry_bytes=env_int("PUTEVENTS_MAX_ENTRY_BYTES", max_request, minimum=1024, env=env),
        )
        if limits.max_entry_bytes > limits.max_request_bytes:
            raise ConfigError("PUTEVENTS_MAX_ENTRY_BYTES must not exceed PUTEVENTS_MAX_REQUEST_BYTES")
        retry = RetryPolicy(
            base_delay=env_int("PUTEVENTS_RETRY_BASE_MS", 50, minimum=1, env=env) / 1000,
            max_delay=env_int("PUTEVENTS_RETRY_MAX_MS", 2000, minimum=1, env=env) / 1000,
            max_attempts=env_int("PUTEVENTS_MAX_ATTEMPTS", 10, minimum=1, maximum=100, env=env),
        )
        return cls(
            event_bus_name=bus,
            secret_id=env_str("WEBHOOK_SECRET_ARN", env=env),
            source=source,
            detail_type=env_str("EVENT_DETAIL_TYPE", DEFAULT_DETAIL_TYPE, env=env),
            signature_header=env_str("SIGNATURE_HEADER", DEFAULT_SIGNATURE_HEADER, env=env),
            timestamp_header=env_opt_str("SIGNATURE_TIMESTAMP_HEADER", env=env),
            tolerance_seconds=env_int("SIGNATURE_TOLERANCE_SECONDS", 300, minimum=1, maximum=86_400, env=env),
            secret_max_age_seconds=env_int("WEBHOOK_SECRET_MAX_AGE_SECONDS", 300, minimum=0, env=env),
            max_body_bytes=env_int("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, minimum=1024, env=env),
            max_records=env_int(
                "MAX_RECORDS_PER_REQUEST", DEFAULT_MAX_RECORDS, minimum=1, maximum=MAX_RECORDS_LIMIT, env=env
            ),
            flatten_property_changes=env_bool("NORMALIZE_CHANGED_PROPERTIES", False, env=env),
            tracing_enabled=env_bool("TRACING_ENABLED", False, env=env),
            safety_margin_ms=env_int("PUTEVENTS_SAFETY_MARGIN_MS", 1000, minimum=0, env=env),
            limits=limits,
            retry=retry,
            # at most 10: botocore keeps 10 pooled connections per client
            putevents_concurrency=env_int("PUTEVENTS_CONCURRENCY", DEFAULT_CONCURRENCY, minimum=1, maximum=10, env=env),
            secret_refresh_interval_seconds=env_int(
                "WEBHOOK_SECRET_REFRESH_INTERVAL_SECONDS", 60, minimum=1, maximum=3600, env=env
            ),
            replay_table_name=env_opt_str("REPLAY_TABLE_NAME", env=env),
            # a claim outlives the function that made it by no more than this (the function timeout)
            replay_lease_seconds=env_int("REPLAY_LEASE_SECONDS", 30, minimum=1, maximum=900, env=env),
        )
