"""modules/webhook-ingestion planned offline: HTTP API, throttling, least-privilege ingestion Lambda."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools import harness

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

FIXTURE = Path(__file__).parent / "fixtures" / "webhook_ingestion"
M = "module.webhook"
REGION = "eu-central-1"
ACCOUNT = "123456789012"
NAME = "genesys-audit-ingestion"
BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/genesys-audit-webhook"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:genesys-audit/webhook-AbCdEf"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{NAME}"
OPS_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:genesys-audit-ops"
REPLAY_TABLE = f"{NAME}-replay"
REPLAY_TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{REPLAY_TABLE}"


@pytest.fixture(scope="module")
def plan(tf_plan):
    return tf_plan(FIXTURE)


@pytest.fixture(scope="module")
def applied():
    """The same fixture planned 'as applied', so identifiers AWS assigns (API id) resolve."""
    outcome = harness.try_plan(FIXTURE, as_applied=True)
    assert outcome.ok and outcome.plan is not None, outcome.output
    return outcome.plan


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_plans_the_whole_stack(plan):
    counts: dict[str, int] = {}
    for r in plan.resources():
        if r.module_address in (M, f"{M}.module.function", f"{M}.module.kms"):
            counts[r.type] = counts.get(r.type, 0) + 1
    assert counts == {
        "aws_apigatewayv2_api": 1,
        "aws_apigatewayv2_integration": 1,
        "aws_apigatewayv2_route": 2,
        "aws_apigatewayv2_stage": 1,
        "aws_cloudwatch_log_group": 2,
        "aws_cloudwatch_metric_alarm": 1,
        "aws_dynamodb_table": 1,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_kms_alias": 1,
        "aws_kms_key": 1,
        "aws_lambda_function": 1,
        "aws_lambda_permission": 2,
    }
    regional = [
        r
        for r in plan.resources()
        if r.module_address in (M, f"{M}.module.function", f"{M}.module.kms") and not r.type.startswith("aws_iam_")
    ]
    assert {r.region for r in regional} == {REGION}
    assert plan.resource(f"{M}.module.function.aws_iam_role.this[0]").values["name"] == f"{NAME}-{REGION}"


def test_create_false_yields_zero_resources(plan):
    disabled = [r.address for r in plan.resources() if (r.module_address or "").startswith("module.disabled")]
    assert disabled == []
    assert [d.address for d in plan.data_sources() if d.address.startswith("module.disabled")] == []


def test_function_policy_allows_put_events_on_the_one_bus_and_its_secret_only(applied):
    policy = applied.resource(f"{M}.module.function.aws_iam_role_policy.this[0]").json("policy")
    key_arn = applied.resource(f"{M}.module.kms.aws_kms_key.this[0]").values["arn"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    for sid, statement in statements.items():
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in _as_list(statement["Action"])), sid
    assert {sid: (sorted(_as_list(s["Action"])), s["Resource"]) for sid, s in statements.items()} == {
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], f"{LOG_GROUP_ARN}:*"),
        "PutEventsOnTheAuditBus": (["events:PutEvents"], BUS_ARN),
        "ReadWebhookSecret": (["secretsmanager:GetSecretValue"], SECRET_ARN),
        "RecordSignedRequestsForReplayRefusal": (["dynamodb:PutItem"], REPLAY_TABLE_ARN),
        "UseTheKeyForTheReplayTableThroughDynamoDB": (["kms:Decrypt", "kms:GenerateDataKey"], key_arn),
    }
    assert statements["UseTheKeyForTheReplayTableThroughDynamoDB"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"}
    }


def test_function_settings_and_environment(plan):
    fn = plan.resource(f"{M}.module.function.aws_lambda_function.this[0]").values
    assert fn["handler"] == "ingestion.handler.handler"
    assert fn["timeout"] == 10 and fn["reserved_concurrent_executions"] == 10
    assert fn["environment"][0]["variables"] == {
        "EVENT_BUS_NAME": "genesys-audit-webhook",
        "EVENT_SOURCE": "genesys.audit.webhook",
        "WEBHOOK_SECRET_ARN": SECRET_ARN,
        "SIGNATURE_HEADER": "X-Hub-Signature-256",
        "SIGNATURE_TIMESTAMP_HEADER": "X-Signature-Timestamp",
        "SIGNATURE_TOLERANCE_SECONDS": "300",
        "REPLAY_TABLE_NAME": REPLAY_TABLE,
        "REPLAY_LEASE_SECONDS": "10",
        "POWERTOOLS_SERVICE_NAME": NAME,
        "POWERTOOLS_METRICS_NAMESPACE": "GenesysAudit",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def test_replay_table_encrypted_with_the_module_key_ttl_and_pitr(applied):
    table = applied.resource(f"{M}.aws_dynamodb_table.replay[0]").values
    assert table["name"] == REPLAY_TABLE and table["arn"] == REPLAY_TABLE_ARN
    assert (table["billing_mode"], table["hash_key"]) == ("PAY_PER_REQUEST", "pk")
    assert table["attribute"] == [{"name": "pk", "type": "S"}]
    assert table["ttl"] == [{"attribute_name": "expires_at", "enabled": True}]
    assert table["point_in_time_recovery"][0]["enabled"] is True
    (sse,) = table["server_side_encryption"]
    assert sse["enabled"] is True
    assert sse["kms_key_arn"] == applied.resource(f"{M}.module.kms.aws_kms_key.this[0]").values["arn"]
    assert table["region"] == REGION


def test_checkov_skip_reason_names_the_replay_refusal():
    text = (REPO / "modules" / "webhook-ingestion" / "main.tf").read_text()
    [reason] = re.findall(r"#checkov:skip=CKV_AWS_309:(Webhook senders.*)", text)
    assert "timestamp" in reason and "replay table" in reason


def test_no_input_can_carry_a_secret_value():
    """Secrets enter by ARN only: every secret-like variable of the module is an ARN."""
    text = (FIXTURE.parents[3] / "modules" / "webhook-ingestion" / "variables.tf").read_text()
    names = re.findall(r'^variable "([a-z_]+)"', text, re.MULTILINE)
    secretish = [n for n in names if any(w in n for w in ("secret", "token", "key", "password"))]
    assert secretish == ["kms_key_arn", "create_kms_key", "webhook_secret_arn", "webhook_secret_kms_key_arn"]
    # create_kms_key is a bool (no value to leak)
    assert 'variable "create_kms_key" {\n  description = "Whether this module creates its key' in text


def test_routes_post_events_and_get_health_through_a_proxy_integration(plan):
    routes = sorted(r.values["route_key"] for r in plan.resources("aws_apigatewayv2_route"))
    assert routes == ["GET /health", "POST /events"]
    integration = plan.resource(f"{M}.aws_apigatewayv2_integration.this[0]").values
    assert integration["integration_type"] == "AWS_PROXY"
    assert integration["payload_format_version"] == "2.0"
    assert plan.resource(f"{M}.aws_apigatewayv2_api.this[0]").values["protocol_type"] == "HTTP"


def test_stage_throttles_and_writes_json_access_logs(plan):
    stage = plan.resource(f"{M}.aws_apigatewayv2_stage.this[0]")
    (settings,) = stage.values["default_route_settings"]
    assert (settings["throttling_rate_limit"], settings["throttling_burst_limit"]) == (20, 40)
    assert stage.values["name"] == "$default" and stage.values["auto_deploy"] is True
    (access,) = stage.values["access_log_settings"]
    fields = json.loads(access["format"])
    assert {"requestId", "ip", "status", "routeKey", "integrationError"} <= set(fields)
    assert stage.unknown["access_log_settings"] == [{"destination_arn": True}]
    access_group = plan.resource(f"{M}.aws_cloudwatch_log_group.access[0]").values
    assert access_group["name"] == f"/aws/apigateway/{NAME}" and access_group["retention_in_days"] == 365


def test_lambda_permissions_are_scoped_to_this_api_and_route(plan, applied):
    for key in ("events", "health"):
        permission = plan.resource(f'{M}.aws_lambda_permission.api["{key}"]')
        assert permission.values["principal"] == "apigateway.amazonaws.com"
        assert permission.unknown["source_arn"] is True  # the API id is assigned by AWS
    api = applied.resource(f"{M}.aws_apigatewayv2_api.this[0]").values["execution_arn"]
    assert api.startswith(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:")
    scoped = {
        key: applied.resource(f'{M}.aws_lambda_permission.api["{key}"]').values["source_arn"]
        for key in ("events", "health")
    }
    assert scoped == {"events": f"{api}/*/POST/events", "health": f"{api}/*/GET/health"}


def test_alarm_on_more_than_5_put_events_failures_in_5_minutes_to_the_ops_topic(plan):
    alarm = plan.resource(f"{M}.aws_cloudwatch_metric_alarm.put_events_failures[0]").values
    assert (alarm["namespace"], alarm["metric_name"]) == ("GenesysAudit", "PutEventsFailedEntries")
    assert alarm["dimensions"] == {"service": NAME}
    assert (alarm["statistic"], alarm["period"], alarm["evaluation_periods"]) == ("Sum", 300, 1)
    assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanThreshold", 5)
    assert alarm["alarm_actions"] == [OPS_TOPIC] and alarm["ok_actions"] == [OPS_TOPIC]
    assert alarm["treat_missing_data"] == "notBreaching"


def test_key_policy_lets_logs_use_it_for_our_two_log_groups_only(plan):
    policy = plan.resource(f"{M}.module.kms.aws_kms_key.this[0]").json("policy")
    logs = next(s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsOurLogGroups")
    assert sorted(logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]) == [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/{NAME}",
        LOG_GROUP_ARN,
    ]


def test_default_bus_is_refused(tf_try_plan):
    outcome = tf_try_plan(FIXTURE, event_bus_name="default")
    assert not outcome.ok
    assert "event_bus_name must be the name (not the ARN) of a custom event bus" in outcome.output


# -- every validation, in one plan -----------------------------------------------------------------

REPO = FIXTURE.parents[3]
VALID = {
    "account_id": '"123456789012"',
    "region": '"eu-central-1"',
    "event_bus_name": '"bus"',
    "webhook_secret_arn": '"arn:aws:secretsmanager:eu-central-1:123456789012:secret:w-AbCdEf"',
}
INVALID = {
    "name": ('"bad name!"', "name may contain only letters, digits, '_' and '-'"),
    "event_bus_name": (
        '"aws.partner/genesys.com/cloud/org/x"',
        "partner buses (aws.partner/...) are refused",
    ),
    "webhook_secret_arn": ('"my-secret"', "webhook_secret_arn must be a Secrets Manager secret ARN"),
    "webhook_secret_kms_key_arn": ('"alias/x"', "webhook_secret_kms_key_arn must be a KMS key ARN"),
    "kms_key_arn": ('"alias/x"', "kms_key_arn must be a KMS key ARN"),
    "signature_tolerance_seconds": ("5", "signature_tolerance_seconds must be between 30 and 3600; got 5"),
    "signature_timestamp_header": ('"X Time"', "signature_timestamp_header must be an HTTP header name"),
    "event_source": ('"aws.genesys"', 'event_source must not start with "aws."'),
    "throttling_rate_limit": ("0", "throttling_rate_limit must be positive; got 0"),
    "throttling_burst_limit": ("0", "throttling_burst_limit must be positive; got 0"),
    "reserved_concurrent_executions": ("0", "reserved_concurrent_executions must be at least 1; got 0"),
    "timeout": ("30", "timeout must be between 3 and 29 seconds"),
    "ops_topic_arn": ('"ops"', "ops_topic_arn must be an SNS topic ARN"),
    "put_events_failure_alarm": (
        "{ period_seconds = 120 }",
        "put_events_failure_alarm.period_seconds must be one of 60, 300, 900, 3600; got 120",
    ),
    "log_level": ('"TRACE"', "log_level must be DEBUG, INFO, WARNING or ERROR"),
}


def test_every_validation_names_the_fix(tf_module_refusals):
    # Validations that read `create` are checked only once every variable passed its own: planned apart.
    reads_create = {"webhook_secret_arn"}
    output = tf_module_refusals(
        "webhook-ingestion", VALID, {k: v for k, (v, _) in INVALID.items() if k not in reads_create}
    )
    output += tf_module_refusals(
        "webhook-ingestion", VALID, {k: v for k, (v, _) in INVALID.items() if k in reads_create}
    )
    for variable, (_, message) in INVALID.items():
        assert message in output, f"{variable}: {message!r} not reported"
