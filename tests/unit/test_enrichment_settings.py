"""Enrichment settings from the environment, and the consumer asking for names only for findings."""

from __future__ import annotations

import pytest

from genesys_audit.audit import AuditView
from genesys_audit.consumer.service import consume
from genesys_audit.enrichment.names import Names
from genesys_audit.enrichment.settings import EnrichmentSettings, resolver_for
from genesys_audit.errors import ConfigError

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:names-AbCdEf"


def test_off_by_default_and_no_resolver() -> None:
    settings = EnrichmentSettings.from_env({})
    assert not settings.enabled and resolver_for(settings, lambda _: "") is None


def test_region_becomes_the_api_host_and_a_base_url_overrides_it() -> None:
    env = {
        "GENESYS_ENRICHMENT_ENABLED": "true",
        "GENESYS_CREDENTIALS_SECRET_ARN": SECRET,
        "GENESYS_REGION": "eu-west-1",
    }
    settings = EnrichmentSettings.from_env(env)
    assert (settings.api_base_url, settings.budget_ms, settings.cache_ttl_seconds) == (
        "https://api.mypurecloud.ie", 1500, 300
    )
    local = EnrichmentSettings.from_env({**env, "GENESYS_API_BASE_URL": "http://127.0.0.1:9"})
    assert local.api_base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GENESYS_REGION": "mars"}, "GENESYS_REGION: unknown Genesys region 'mars'"),
        ({"GENESYS_REGION": "mypurecloud.ie", "GENESYS_CREDENTIALS_SECRET_ARN": ""},
         "GENESYS_CREDENTIALS_SECRET_ARN is required"),
        ({"GENESYS_REGION": "mypurecloud.ie", "ENRICHMENT_BUDGET_MS": "20"}, "ENRICHMENT_BUDGET_MS"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    full = {"GENESYS_ENRICHMENT_ENABLED": "true", "GENESYS_CREDENTIALS_SECRET_ARN": SECRET, **env}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        EnrichmentSettings.from_env(full)


def test_the_consumer_asks_for_names_only_for_a_finding() -> None:
    asked: list[str | None] = []
    found: list[dict[str, object]] = []

    def names_for(view: AuditView) -> Names:
        asked.append(view.audit_id)
        return Names(failures=("timed out",))

    no_op = {"id": "a1", "propertyChanges": [{"property": "name", "oldValues": ["x"], "newValues": ["x"]}]}
    real = {"id": "a2", "propertyChanges": [{"property": "name", "oldValues": ["x"], "newValues": ["y"]}]}
    assert consume(AuditView.of(no_op), (), found.append, names_for) == "no-op"
    assert consume(AuditView.of(real), (), found.append, names_for) == "finding"
    assert asked == ["a2"]
    assert found[0]["names"] == {"status": "unavailable", "note": "names unavailable: timed out; ids shown",
                                 "resolved": []}


def test_the_table_cache_is_a_cache_only() -> None:
    from genesys_audit.enrichment.names import Found
    from genesys_audit.enrichment.store import TableCache

    def broken() -> object:
        raise RuntimeError("table unavailable")

    cache = TableCache("t", broken, ttl_seconds=300)
    assert cache.get("user", "u1") is None
    cache.put(Found("user", "u1", "Jane"))  # no exception: a failed write only costs a lookup later

    class Expired:
        def get_item(self, **_: object) -> dict[str, object]:
            return {"Item": {"expiration": {"N": "1"}, "found": {"S": '{"name": "Old"}'}}}

    assert TableCache("t", Expired, ttl_seconds=300).get("user", "u1") is None  # TTL deletion runs late
