"""modules/genesys-backfill planned offline: schedule -> function, least-privilege IAM, disabled call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "genesys_backfill"
M = "module.backfill"


@pytest.fixture(scope="module")
def plan(tf_plan: Any) -> Any:
    return tf_plan(FIXTURE)


def test_plans_the_schedule_and_the_function(plan: Any) -> None:
    counts: dict[str, int] = {}
    for r in plan.resources():
        if r.module_address.startswith(M):
            counts[r.type] = counts.get(r.type, 0) + 1
    assert counts == {
        "aws_cloudwatch_event_rule": 1,
        "aws_cloudwatch_event_target": 1,
        "aws_cloudwatch_log_group": 1,
        "aws_cloudwatch_metric_alarm": 2,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_lambda_function": 1,
        "aws_lambda_function_event_invoke_config": 1,
        "aws_lambda_permission": 1,
    }
    assert not [r for r in plan.resources() if r.module_address.startswith("module.disabled")]


def test_function_settings_and_least_privilege(plan: Any) -> None:
    [fn] = [r for r in plan.resources() if r.type == "aws_lambda_function" and r.module_address.startswith(M)]
    values = fn.values
    env = values["environment"][0]["variables"]
    assert env["EVENT_BUS_NAME"] == "genesys-audit" and env["GENESYS_REGION"] == "mypurecloud.ie"
    assert env["CHECKPOINT_PARAMETER_NAME"] == "/genesys-audit-backfill/checkpoint"
    assert env["GENESYS_SERVICE_NAMES"] == "PeoplePermissions,ContactCenter"
    assert env["TRAIL_LOG_GROUP"] == "/aws/events/genesys-audit"
    assert values["handler"] == "backfill.handler.handler"
    assert values["reserved_concurrent_executions"] == 1 and values["timeout"] == 900
    assert "arn:aws:lambda:eu-west-1:123456789012:layer:genesys-sdk:3" in values["layers"]
    [policy] = [r for r in plan.resources() if r.type == "aws_iam_role_policy" and r.module_address.startswith(M)]
    statements = {s["Sid"]: s for s in json.loads(policy.values["policy"])["Statement"]}
    assert set(statements) == {
        "PutEventsOnTheAuditBus",
        "ReadGenesysClientCredentials",
        "KeepTheCheckpoint",
        "DecryptClientCredentialsThroughSecretsManager",
        "ReadTheTrailForPresentAudits",
        "WriteOwnLogs",
    }
    for statement in statements.values():
        assert "*" not in json.dumps(statement["Resource"]).replace(":*", "")


SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-audit/backfill-AbCdEf"
VALID = {
    "account_id": '"123456789012"',
    "region": '"eu-west-1"',
    "event_bus_name": '"genesys-audit"',
    "genesys_region": '"mypurecloud.ie"',
    "genesys_credentials_secret_arn": f'"{SECRET}"',
    "genesys_sdk_layer_arn": '"arn:aws:lambda:eu-west-1:123456789012:layer:genesys-sdk:3"',
}
INVALID = {
    "name": ('"genesys audit"', "name must be 1-40 letters, digits, '_' or '-'"),
    "region": ('"Ireland"', 'region must be an AWS region code such as "eu-west-1"; got "Ireland"'),
    "event_bus_name": ('"aws.partner/genesys.com/cloud/x/y"', "event_bus_name must name a custom bus"),
    "event_source": ('"aws.genesys"', 'event_source must not start with "aws." (reserved by AWS)'),
    "genesys_region": ('"genesys.example.com"', "genesys_region must be a Genesys Cloud region domain"),
    "genesys_credentials_secret_arn": (
        '"backfill"',
        "genesys_credentials_secret_arn must be a Secrets Manager secret ARN",
    ),
    "genesys_sdk_layer_arn": (
        '"arn:aws:lambda:eu-west-1:123456789012:layer:genesys-sdk"',
        "genesys_sdk_layer_arn must be a versioned layer ARN",
    ),
    "schedule_expression": ('"hourly"', "schedule_expression must be rate(...) or cron(...)"),
    "lookback_hours": ("0", "lookback_hours must be 1-8760"),
}


def test_every_validation_names_the_fix(tf_module_refusals: Any) -> None:
    # Validations that read `create` are checked only once every variable passed its own: planned apart.
    reads_create = {"genesys_region", "genesys_credentials_secret_arn", "genesys_sdk_layer_arn"}
    output = tf_module_refusals(
        "genesys-backfill", VALID, {k: v for k, (v, _) in INVALID.items() if k not in reads_create}
    )
    output += tf_module_refusals(
        "genesys-backfill", VALID, {k: v for k, (v, _) in INVALID.items() if k in reads_create}
    )
    for variable, (_, message) in INVALID.items():
        assert message in output, f"{variable}: {message!r} not reported"


def test_alarms_report_failed_runs_and_the_holes_a_run_filled(plan: Any) -> None:
    alarms = {
        r.values["alarm_name"]: r.values
        for r in plan.resources("aws_cloudwatch_metric_alarm")
        if r.module_address.startswith(M)
    }
    assert set(alarms) == {"genesys-audit-backfill-errors", "genesys-audit-backfill-holes-filled"}
    errors = alarms["genesys-audit-backfill-errors"]
    assert (errors["namespace"], errors["metric_name"]) == ("AWS/Lambda", "Errors")
    assert errors["dimensions"] == {"FunctionName": "genesys-audit-backfill"}
    holes = alarms["genesys-audit-backfill-holes-filled"]
    # The function's EMF metric, with Powertools' service dimension = POWERTOOLS_SERVICE_NAME.
    assert (holes["namespace"], holes["metric_name"]) == ("GenesysAudit", "BackfillRecordsPut")
    assert holes["dimensions"] == {"service": "genesys-audit-backfill"}
    [fn] = [r for r in plan.resources("aws_lambda_function") if r.module_address.startswith(M)]
    assert fn.values["environment"][0]["variables"]["POWERTOOLS_SERVICE_NAME"] == "genesys-audit-backfill"
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == ["arn:aws:sns:eu-west-1:123456789012:genesys-audit-ops"]
        assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)


def test_the_root_module_wires_the_backfill_to_its_custom_bus_trail_key_and_ops_topic(tf_plan: Any) -> None:
    webhook = tf_plan(REPO / "examples" / "webhook-ingestion")
    fn = webhook.resource("module.genesys_audit.module.backfill.module.function.aws_lambda_function.this[0]")
    env = fn.values["environment"][0]["variables"]
    assert env["EVENT_BUS_NAME"] == "genesys-audit-webhook"
    assert env["EVENT_SOURCE"] == "genesys.audit.webhook"  # what the custom bus's rules accept
    assert env["TRAIL_LOG_GROUP"] == "/aws/events/genesys-audit"  # only the holes are put
    assert env["GENESYS_REGION"] == "mypurecloud.ie"
    alarms = {
        r.values["alarm_name"]: r for r in webhook.resources("aws_cloudwatch_metric_alarm") if ".backfill." in r.address
    }
    assert set(alarms) == {"genesys-audit-backfill-errors", "genesys-audit-backfill-holes-filled"}
    for alarm in alarms.values():  # the pipeline's ops topic, created in the same plan
        assert alarm.unknown.get("alarm_actions") or alarm.values["alarm_actions"], alarm.address
    assert not [r for r in tf_plan(REPO / "examples" / "complete").resources() if ".backfill." in r.address]


def test_the_root_module_refuses_a_backfill_it_cannot_run(tf_module_refusals: Any) -> None:
    def backfill(genesys_region: str) -> str:
        return (
            f'{{ enabled = true, genesys_region = "{genesys_region}", credentials_secret_arn = "{SECRET}", '
            'sdk_layer_arn = "arn:aws:lambda:eu-west-1:123456789012:layer:genesys-sdk:3" }'
        )

    valid = {"region": '"eu-west-1"', "bus_type": '"custom"', "data_residency": '"EUROPE"'}
    # Terraform stops at a variable's own validations before it checks those that read other variables,
    # so the two kinds are planned apart.
    output = tf_module_refusals(".", valid, {"backfill": "{ enabled = true }"})
    assert "backfill.enabled needs backfill.genesys_region" in output
    assert "backfill.credentials_secret_arn (a Secrets Manager secret" in output
    valid = {**valid, "backfill": backfill("mypurecloud.ie")}
    output = tf_module_refusals(".", valid, {"bus_type": '"partner"', "backfill": backfill("mypurecloud.com")})
    assert 'backfill.enabled needs bus_type = "custom": only a custom bus takes PutEvents' in output
    assert 'data_residency = "EUROPE" does not allow Genesys region "mypurecloud.com"' in output
