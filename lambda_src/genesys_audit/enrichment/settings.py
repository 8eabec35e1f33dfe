"""Enrichment settings, shared by the alert and consumer functions (frozen, validated at cold start)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genesys_audit.config import env_bool, env_int, env_opt_str, env_str
from genesys_audit.errors import ConfigError

if TYPE_CHECKING:  # the resolver is imported when enrichment is enabled, not at cold start
    from genesys_audit.enrichment.resolve import Resolver

DEFAULT_BUDGET_MS = 1500
DEFAULT_CACHE_TTL_SECONDS = 300


@dataclass(frozen=True)
class EnrichmentSettings:
    """`enabled` False: no lookups, ids only (the default)."""

    enabled: bool = False
    credentials_secret_id: str | None = None
    api_base_url: str | None = None
    budget_ms: int = DEFAULT_BUDGET_MS
    cache_ttl_seconds: int = DEFAULT_CACHE_TTL_SECONDS
    table_cache: bool = True  # share answers between containers through the idempotency table

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EnrichmentSettings:
        """GENESYS_ENRICHMENT_ENABLED, GENESYS_CREDENTIALS_SECRET_ARN, GENESYS_REGION (or GENESYS_API_BASE_URL),
        ENRICHMENT_BUDGET_MS, ENRICHMENT_CACHE_TTL_SECONDS, ENRICHMENT_TABLE_CACHE; ConfigError naming the
        variable."""
        if not env_bool("GENESYS_ENRICHMENT_ENABLED", False, env=env):
            return cls()
        from genesys_audit.backfill.errors import BackfillError
        from genesys_audit.backfill.regions import api_base_url

        try:
            base = api_base_url(env_opt_str("GENESYS_REGION", env=env), env_opt_str("GENESYS_API_BASE_URL", env=env))
        except BackfillError as exc:
            raise ConfigError(f"GENESYS_REGION: {exc.message}") from None
        return cls(
            enabled=True,
            credentials_secret_id=env_str("GENESYS_CREDENTIALS_SECRET_ARN", env=env),
            api_base_url=base,
            budget_ms=env_int("ENRICHMENT_BUDGET_MS", DEFAULT_BUDGET_MS, minimum=50, maximum=10_000, env=env),
            cache_ttl_seconds=env_int(
                "ENRICHMENT_CACHE_TTL_SECONDS", DEFAULT_CACHE_TTL_SECONDS, minimum=0, maximum=86_400, env=env
            ),
            table_cache=env_bool("ENRICHMENT_TABLE_CACHE", True, env=env),
        )

    @property
    def budget_seconds(self) -> float:
        return self.budget_ms / 1000.0


def resolver_for(
    settings: EnrichmentSettings,
    read_secret: Callable[[str], str],
    *,
    table: str | None = None,
    dynamodb: Callable[[], Any] | None = None,
) -> Resolver | None:
    """The container's resolver (credentials read from the secret on first use), or None when disabled;
    with `table` and a `dynamodb` client factory, answers are shared through that table too."""
    if not settings.enabled or not settings.credentials_secret_id or not settings.api_base_url:
        return None
    from genesys_audit.backfill.credentials import ClientCredentials
    from genesys_audit.enrichment.client import GenesysReader
    from genesys_audit.enrichment.resolve import Resolver
    from genesys_audit.enrichment.store import TableCache

    shared = None
    if settings.table_cache and table and dynamodb is not None:
        shared = TableCache(table, dynamodb, ttl_seconds=settings.cache_ttl_seconds)
    secret_id = settings.credentials_secret_id

    def credentials() -> ClientCredentials:
        return ClientCredentials.from_secret_string(read_secret(secret_id), secret_id=secret_id)

    reader = GenesysReader(settings.api_base_url, credentials)
    return Resolver(reader, ttl_seconds=settings.cache_ttl_seconds, shared=shared)
