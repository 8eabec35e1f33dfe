"""Name enrichment planned offline: the alert and consumer functions get the Genesys settings and may read
exactly the credentials secret (and decrypt it only through Secrets Manager); bad inputs are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

FIXTURE = Path(__file__).parent / "fixtures" / "enrichment"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-audit/enrichment-AbCdEf"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000"


@pytest.fixture(scope="module")
def plan(tf_plan):
    return tf_plan(FIXTURE)


def _statements(plan: Any, module: str) -> dict[str, dict[str, Any]]:
    policy = plan.resource(f"{module}.module.function.aws_iam_role_policy.this[0]").json("policy")
    return {s["Sid"]: s for s in policy["Statement"]}


def _env(plan: Any, module: str) -> dict[str, str]:
    fn = plan.resource(f"{module}.module.function.aws_lambda_function.this[0]").values
    return fn["environment"][0]["variables"]  # type: ignore[no-any-return]


def test_alert_function_reads_only_the_credentials_secret_and_decrypts_through_secrets_manager(plan):
    statements = _statements(plan, "module.alerting")
    assert statements["ReadGenesysEnrichmentCredentials"]["Action"] == "secretsmanager:GetSecretValue"
    assert statements["ReadGenesysEnrichmentCredentials"]["Resource"] == SECRET
    decrypt = statements["DecryptGenesysEnrichmentCredentials"]
    assert (decrypt["Action"], decrypt["Resource"]) == ("kms:Decrypt", KEY)
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
    readers = [sid for sid, s in statements.items() if "secretsmanager:GetSecretValue" in str(s["Action"])]
    assert readers == ["ReadGenesysEnrichmentCredentials"]  # no chat secrets configured: nothing else


def test_consumer_reads_only_the_credentials_secret_and_no_key_without_one(plan):
    statements = _statements(plan, "module.consumer")
    assert statements["ReadGenesysEnrichmentCredentials"]["Resource"] == SECRET
    assert "DecryptGenesysEnrichmentCredentials" not in statements  # the AWS managed key needs no grant
    for sid, statement in statements.items():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in a for a in actions), sid


def test_both_functions_get_the_enrichment_environment(plan):
    alert, consumer = _env(plan, "module.alerting"), _env(plan, "module.consumer")
    assert {k: alert[k] for k in alert if "GENESYS" in k or "ENRICHMENT" in k} == {
        "GENESYS_ENRICHMENT_ENABLED": "true",
        "GENESYS_CREDENTIALS_SECRET_ARN": SECRET,
        "GENESYS_REGION": "mypurecloud.ie",
        "ENRICHMENT_BUDGET_MS": "1200",
    }
    assert consumer["ENRICHMENT_BUDGET_MS"] == "1500" and consumer["GENESYS_REGION"] == "mypurecloud.ie"
    assert consumer["WATCHED_PROPERTIES"] == "divisionId,scopes,secret,permissionPolicies"  # still there


def test_the_environment_is_what_the_functions_read(plan, monkeypatch: pytest.MonkeyPatch):
    from genesys_audit.enrichment.settings import EnrichmentSettings

    settings = EnrichmentSettings.from_env(_env(plan, "module.alerting"))
    assert settings.enabled and settings.api_base_url == "https://api.mypurecloud.ie"
    assert (settings.credentials_secret_id, settings.budget_ms) == (SECRET, 1200)


VALID = {"region": '"eu-west-1"', "account_id": '"123456789012"'}


def test_module_refuses_bad_enrichment_inputs_naming_the_fix(tf_module_refusals):
    output = tf_module_refusals(
        "alerting",
        VALID,
        {"enrichment": '{ enabled = true, credentials_secret_arn = "genesys", genesys_region = "ireland", '
                       'budget_ms = 50 }'},
    )
    assert "enrichment.enabled needs enrichment.credentials_secret_arn, a Secrets Manager secret ARN" in output
    assert 'got "genesys"' in output
    assert 'enrichment.genesys_region must be a Genesys Cloud region domain such as "mypurecloud.ie"' in output
    assert 'got "ireland"' in output
    assert "enrichment.budget_ms must be a whole number of milliseconds from 100 to 10000" in output
    consumer = tf_module_refusals(
        "queue-consumer",
        {**VALID, "queue_arn": '"arn:aws:sqs:eu-west-1:123456789012:q"', "queue_kms_key_arn": '"k"'},
        {"enrichment": "{ enabled = true }"},
    )
    assert "enrichment.enabled needs enrichment.credentials_secret_arn" in consumer


def test_root_refuses_a_genesys_region_outside_data_residency(tf_module_refusals):
    enrichment = f'{{ enabled = true, credentials_secret_arn = "{SECRET}", genesys_region = "mypurecloud.com" }}'
    output = tf_module_refusals(
        ".",
        {"region": '"eu-west-1"', "data_residency": '"EUROPE"'},
        {"alerting": f"{{ enabled = true, enrichment = {enrichment} }}",
         "consumer": f"{{ enabled = true, enrichment = {enrichment} }}"},
    )
    assert 'data_residency = "EUROPE" does not allow Genesys region "mypurecloud.com" for alerting.enrichment' in output
    assert 'does not allow Genesys region "mypurecloud.com" for consumer.enrichment' in output
