"""modules/alerting planned offline: least-privilege IAM, scoped policies, targets adding rule, severity."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

FIXTURE = Path(__file__).parent / "fixtures" / "alerting"
M = "module.alerting"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
NAME = "genesys-audit-alert"
RULE_PREFIX = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/genesys-audit/genesys-audit"
RULE_ARNS = {
    "oauth-client-delete": f"{RULE_PREFIX}-oauth-client-delete",
    "role-delete": f"{RULE_PREFIX}-role-delete",
}
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{NAME}-{REGION}"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{NAME}"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{NAME}-dlq"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{NAME}-idempotency"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{NAME}"
SLACK = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:genesys-audit/slack-AbCdEf"
PAGERDUTY = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:genesys-audit/pagerduty-AbCdEf"


@pytest.fixture(scope="module")
def plan(tf_plan):
    return tf_plan(FIXTURE)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    statements = policy["Statement"]
    assert all("Sid" in s for s in statements), "every statement carries a sid"
    return {s["Sid"]: s for s in statements}


def test_plans_the_whole_stack_once(plan):
    counts = {}
    for r in plan.resources():
        if r.module_address in (M, f"{M}.module.function", f"{M}.module.function.module.dlq", f"{M}.module.kms"):
            counts[r.type] = counts.get(r.type, 0) + 1
    assert counts == {
        "aws_cloudwatch_log_group": 1,
        "aws_cloudwatch_metric_alarm": 2,
        "aws_dynamodb_table": 1,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_kms_alias": 1,
        "aws_kms_key": 1,
        "aws_lambda_function": 1,
        "aws_lambda_function_event_invoke_config": 1,
        "aws_lambda_permission": 2,
        "aws_sns_topic": 1,
        "aws_sns_topic_policy": 1,
        "aws_sns_topic_subscription": 2,
        "aws_sqs_queue": 1,
        "aws_sqs_queue_policy": 1,
    }


def test_channel_failure_alarm_watches_the_metric_the_handler_emits(plan):
    handler = (Path(__file__).resolve().parents[2] / "lambda_src" / "alert" / "handler.py").read_text()
    emitted = re.search(r'^M_CHANNEL_FAILED = "([^"]+)"', handler, re.MULTILINE)
    assert emitted is not None
    alarm = plan.resource(f"{M}.aws_cloudwatch_metric_alarm.channel_failures[0]").values
    assert alarm["metric_name"] == emitted.group(1) == "AlertChannelFailures"
    # Powertools adds the dimension service = POWERTOOLS_SERVICE_NAME, which the module sets to its name.
    function = plan.resource(f"{M}.module.function.aws_lambda_function.this[0]").values
    assert alarm["dimensions"] == {"service": function["environment"][0]["variables"]["POWERTOOLS_SERVICE_NAME"]}
    assert alarm["namespace"] == function["environment"][0]["variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    assert (alarm["statistic"], alarm["threshold"], alarm["comparison_operator"]) == ("Sum", 0, "GreaterThanThreshold")


def test_deduplication_unavailable_alarm_watches_the_metric_the_handler_emits(plan):
    handler = (Path(__file__).resolve().parents[2] / "lambda_src" / "alert" / "handler.py").read_text()
    emitted = re.search(r'^M_DEDUP_UNAVAILABLE = "([^"]+)"', handler, re.MULTILINE)
    assert emitted is not None
    alarm = plan.resource(f"{M}.aws_cloudwatch_metric_alarm.deduplication_unavailable[0]").values
    channel = plan.resource(f"{M}.aws_cloudwatch_metric_alarm.channel_failures[0]").values
    assert alarm["alarm_name"] == f"{NAME}-deduplication-unavailable"
    assert alarm["metric_name"] == emitted.group(1) == "AlertDeduplicationUnavailable"
    # same style and destination as the channel-failure alarm: the function's namespace and service, the ops topic
    for key in ("namespace", "dimensions", "statistic", "period", "threshold", "comparison_operator", "alarm_actions"):
        assert alarm[key] == channel[key], key
    assert alarm["ok_actions"] == alarm["alarm_actions"]
    assert f"{NAME}-idempotency" in alarm["alarm_description"]


def test_create_false_yields_zero_resources(plan):
    assert [r.address for r in plan.resources() if (r.module_address or "").startswith("module.disabled")] == []
    assert [d.address for d in plan.data_sources() if d.address.startswith("module.disabled")] == []
    assert plan.outputs["disabled"] is None


def test_every_regional_resource_takes_the_region_and_the_role_name_carries_it(plan):
    regional = [
        r
        for r in plan.resources()
        if r.module_address in (M, f"{M}.module.function", f"{M}.module.kms") and not r.type.startswith("aws_iam_")
    ]
    assert {r.address: r.region for r in regional} == {r.address: REGION for r in regional}
    assert plan.resource(f"{M}.module.function.aws_iam_role.this[0]").values["name"] == f"{NAME}-{REGION}"


def test_function_policy_has_no_wildcard_action_and_only_our_arns(plan):
    policy = plan.resource(f"{M}.module.function.aws_iam_role_policy.this[0]").json("policy")
    statements = _statements(policy)
    for sid, statement in statements.items():
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"{sid}: wildcard action {action}"
    resources = {sid: sorted(_as_list(s["Resource"])) for sid, s in statements.items()}
    assert resources == {
        "WriteOwnLogs": [f"{LOG_GROUP_ARN}:*"],
        "PublishAlerts": [TOPIC_ARN],
        "RememberAlertedAuditIds": [TABLE_ARN],
        "DeadLetterFailedInvocations": [DLQ_ARN],
        "ReadChatAndPagingSecrets": sorted([SLACK, PAGERDUTY]),
    }
    assert statements["ReadChatAndPagingSecrets"]["Action"] == "secretsmanager:GetSecretValue"
    assert sorted(_as_list(statements["RememberAlertedAuditIds"]["Action"])) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    # No managed policies unless tracing or VPC is asked for.
    assert [
        r for r in plan.resources("aws_iam_role_policy_attachment") if (r.module_address or "").startswith(M + ".")
    ] == []


def test_trust_policy_is_lambda_in_this_account(plan):
    trust = plan.resource(f"{M}.module.function.aws_iam_role.this[0]").json("assume_role_policy")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_reserved_concurrency_is_5_by_default(plan):
    # module.own_key does not set it: the module default.
    own_key = plan.resource("module.own_key.module.function.aws_lambda_function.this[0]")
    assert own_key.values["reserved_concurrent_executions"] == 5


def test_function_packaging_environment_and_logging(plan):
    fn = plan.resource(f"{M}.module.function.aws_lambda_function.this[0]").values
    archive = next(d for d in plan.data_sources("archive_file") if d.address.startswith(M))
    assert fn["source_code_hash"] == archive.values["output_base64sha256"]
    assert fn["handler"] == "alert.handler.handler" and fn["runtime"] == "python3.12"
    assert fn["layers"] == [
        f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:27"
    ]
    assert fn["environment"][0]["variables"] == {
        "ALERT_TOPIC_ARN": TOPIC_ARN,
        "IDEMPOTENCY_TABLE": f"{NAME}-idempotency",
        "IDEMPOTENCY_EXPIRES_AFTER_SECONDS": "432000",
        "ALERT_SKIP_REPLAYS": "true",
        "SLACK_SECRET_ARN": SLACK,
        "PAGERDUTY_SECRET_ARN": PAGERDUTY,
        "POWERTOOLS_SERVICE_NAME": NAME,
        "POWERTOOLS_METRICS_NAMESPACE": "GenesysAudit",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    assert fn["logging_config"][0]["log_group"] == f"/aws/lambda/{NAME}"
    assert fn["tracing_config"] == [{"mode": "PassThrough"}]
    fn_unknown = plan.resource(f"{M}.module.function.aws_lambda_function.this[0]").unknown
    assert fn["dead_letter_config"] == [{"target_arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{NAME}-dlq"}]  # its DLQ
    assert fn_unknown["kms_key_arn"] is True  # the module's key
    log_group = plan.resource(f"{M}.module.function.aws_cloudwatch_log_group.this[0]")
    assert log_group.values["retention_in_days"] == 365 and log_group.unknown["kms_key_id"] is True
    invoke = plan.resource(f"{M}.module.function.aws_lambda_function_event_invoke_config.this[0]").values
    assert invoke["maximum_retry_attempts"] == 2


def test_destination_carries_the_input_transformer_with_rule_key_and_severity(plan):
    """The module makes no target: it exports one input transformer per rule for modules/audit-rules."""
    assert [r.address for r in plan.resources("aws_cloudwatch_event_target")] == []
    transformers = plan.outputs["rule_input_transformers"]
    assert set(transformers) == set(RULE_ARNS)
    template = transformers["oauth-client-delete"]["input_template"]
    # The whole event goes in through the predefined variable, unquoted.
    assert template.count("<aws.events.event>") == 1 and '"<aws.events.event>"' not in template
    event = {"id": "e1", "detail": {"eventBody": {"entityType": "OAuthClient", "action": "Delete"}}}
    rendered = json.loads(template.replace("<aws.events.event>", json.dumps(event)))
    assert rendered == {
        "rule": "oauth-client-delete",
        "severity": "CRITICAL",
        # <, > and & in constants are JSON-escaped, so EventBridge cannot read them as placeholders.
        "title": "OAuth client deleted <by someone> & more",
        "runbook_url": "https://runbooks.example.com/genesys/oauth-client-delete?x=1&y=2",
        "event": event,
    }
    assert "<by someone>" not in template
    other = transformers["role-delete"]
    rendered = json.loads(other["input_template"].replace("<aws.events.event>", "{}"))
    assert (rendered["rule"], rendered["severity"], rendered["runbook_url"]) == ("role-delete", "HIGH", "")


def test_the_project_transformer_engine_renders_the_planned_template(plan):
    from genesys_audit_tools.simulate.transformer import TargetInput

    target = {"input_transformer": [plan.outputs["rule_input_transformers"]["oauth-client-delete"]]}
    event = json.loads((REPO / "tests" / "fixtures" / "events" / "01_oauthclient_delete.json").read_text())
    text = TargetInput.from_plan(target).apply(
        event, rule_arn=RULE_ARNS["oauth-client-delete"], rule_name="genesys-audit-oauth-client-delete"
    )
    rendered = json.loads(text)
    assert (rendered["rule"], rendered["severity"]) == ("oauth-client-delete", "CRITICAL")
    assert rendered["event"] == event


def test_lambda_permissions_are_scoped_to_each_rule_arn(plan):
    permissions = {r.index: r.values for r in plan.resources("aws_lambda_permission") if r.module_address == M}
    assert set(permissions) == set(RULE_ARNS)
    for key, values in permissions.items():
        assert values["principal"] == "events.amazonaws.com"
        assert values["action"] == "lambda:InvokeFunction"
        assert values["source_arn"] == RULE_ARNS[key]


def test_dlq_policy_is_tls_only_and_eventbridge_has_no_grant(plan):
    """The queue takes the function's failed invocations only; EventBridge dead-letters to the pipeline's queue."""
    policy = plan.resource(f"{M}.module.function.module.dlq.aws_sqs_queue_policy.this[0]").json("policy")
    statements = _statements(policy)
    assert set(statements) == {"DenyInsecureTransport"}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Resource"] == DLQ_ARN
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    queue = plan.resource(f"{M}.module.function.module.dlq.aws_sqs_queue.this[0]")
    assert queue.values["message_retention_seconds"] == 1209600 and queue.unknown["kms_master_key_id"] is True


def test_topic_policy_allows_only_the_function_role_over_tls(plan):
    policy = plan.resource(f"{M}.aws_sns_topic_policy.this[0]").json("policy")
    statements = _statements(policy)
    assert set(statements) == {"AlertFunctionPublishes", "DenyInsecureTransport"}
    assert statements["AlertFunctionPublishes"]["Principal"] == {"AWS": ROLE_ARN}
    for statement in statements.values():
        assert statement["Resource"] == TOPIC_ARN
    assert statements["DenyInsecureTransport"]["Effect"] == "Deny"
    assert plan.resource(f"{M}.aws_sns_topic.this[0]").unknown["kms_master_key_id"] is True


def test_subscriptions_come_from_inputs(plan):
    subs = {(r.values["protocol"], r.values["endpoint"]) for r in plan.resources("aws_sns_topic_subscription")}
    assert subs == {("email", "soc@example.com"), ("https", "https://hooks.example.com/genesys-audit")}


def test_idempotency_table_matches_the_powertools_schema(plan):
    table = plan.resource(f"{M}.aws_dynamodb_table.idempotency[0]").values
    assert table["hash_key"] == "id" and table["attribute"] == [{"name": "id", "type": "S"}]
    assert table["ttl"] == [{"attribute_name": "expiration", "enabled": True}]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True


def test_key_policy_scopes_each_service(plan):
    policy = plan.resource(f"{M}.module.kms.aws_kms_key.this[0]").json("policy")
    statements = _statements(policy)
    assert statements["AccountAdministersKeyThroughIam"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    logs = statements["CloudWatchLogsEncryptsOurLogGroups"]
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": LOG_GROUP_ARN}}
    function = statements["AlertFunctionUsesKeyThroughItsServices"]
    assert function["Principal"] == {"AWS": ROLE_ARN}
    assert sorted(function["Condition"]["StringEquals"]["kms:ViaService"]) == [
        f"dynamodb.{REGION}.amazonaws.com",
        f"sns.{REGION}.amazonaws.com",
        f"sqs.{REGION}.amazonaws.com",
    ]
    assert not [s for s in statements.values() if s["Principal"] == {"Service": "events.amazonaws.com"}]
    assert plan.resource(f"{M}.module.kms.aws_kms_key.this[0]").values["enable_key_rotation"] is True


def test_a_caller_key_tracing_and_vpc_take_the_optional_branches(plan):
    own = "module.own_key"
    name = "genesys-audit-alert-byok"
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
    secrets_key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/66666666-7777-8888-9999-000000000000"
    types = {
        r.type for r in plan.resources() if r.module_address in (own, f"{own}.module.function", f"{own}.module.kms")
    }
    assert "aws_kms_key" not in types and "aws_cloudwatch_event_target" not in types
    assert "aws_lambda_permission" not in types
    fn = plan.resource(f"{own}.module.function.aws_lambda_function.this[0]").values
    assert fn["kms_key_arn"] == key and fn["tracing_config"] == [{"mode": "Active"}]
    assert fn["vpc_config"][0]["subnet_ids"] == ["subnet-0123456789abcdef0"]
    assert fn["architectures"] == ["arm64"] and fn["layers"][0].endswith("-python312-arm64:27")
    assert fn["environment"][0]["variables"]["TEAMS_SECRET_ARN"].endswith(":secret:genesys-audit/teams-AbCdEf")
    assert "SLACK_SECRET_ARN" not in fn["environment"][0]["variables"]
    for resource in ("aws_sns_topic.this[0]", "module.function.module.dlq.aws_sqs_queue.this[0]"):
        encrypted = plan.resource(f"{own}.{resource}").values
        assert encrypted["kms_master_key_id"] == key
    statements = {
        s["Sid"]: s
        for s in plan.resource(f"{own}.module.function.aws_iam_role_policy.this[0]").json("policy")["Statement"]
    }
    assert statements["UseGivenKmsKey"]["Resource"] == key
    assert statements["DecryptSecretsThroughSecretsManager"]["Resource"] == secrets_key
    assert statements["DecryptSecretsThroughSecretsManager"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}
    }
    assert statements["ReadChatAndPagingSecrets"]["Resource"] == (
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:genesys-audit/teams-AbCdEf"
    )
    attached = sorted(r.values["policy_arn"] for r in plan.resources("aws_iam_role_policy_attachment"))
    assert attached == [
        "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    ]
    # Without rules, the DLQ and topic policies keep only what needs no rule ARN.
    dlq = plan.resource(f"{own}.module.function.module.dlq.aws_sqs_queue_policy.this[0]").json("policy")
    assert [s["Sid"] for s in dlq["Statement"]] == ["DenyInsecureTransport"]
    topic = plan.resource(f"{own}.aws_sns_topic_policy.this[0]").json("policy")
    assert [s["Sid"] for s in topic["Statement"]] == ["AlertFunctionPublishes", "DenyInsecureTransport"]
    assert plan.resource(f"{own}.module.function.aws_iam_role.this[0]").values["name"] == f"{name}-{REGION}"


def test_reserved_concurrency_below_5_is_refused(tf_try_plan):
    outcome = tf_try_plan(FIXTURE, reserved_concurrent_executions=4)
    assert not outcome.ok
    assert "reserved_concurrent_executions must be at least 5" in outcome.output
    assert "got 4" in outcome.output


def test_unknown_severity_is_refused_naming_the_rule(tf_try_plan):
    outcome = tf_try_plan(FIXTURE, oauth_severity="critical")
    assert not outcome.ok
    assert "rules[*].severity must be one of CRITICAL, HIGH, MEDIUM, LOW, INFO" in outcome.output
    assert "oauth-client-delete=critical" in outcome.output


# -- every validation, in one plan -----------------------------------------------------------------

REPO = FIXTURE.parents[3]
VALID = {
    "account_id": '"123456789012"',
    "region": '"eu-west-1"',
    "rules": ('{ k = { rule_arn = "arn:aws:events:eu-west-1:123456789012:rule/b/r", severity = "LOW", title = "t" } }'),
}
INVALID = {
    "account_id": ('"12345"', 'account_id must be 12 digits; got "12345".'),
    "name": ('"bad name!"', "name may contain only letters, digits, '_' and '-'"),
    "region": ('"Europe"', 'region must be an AWS region code such as "eu-west-1"; got "Europe"'),
    "rules": (
        '{ "bad key!" = { rule_arn = "arn:aws:events:eu-west-1:1:rule/r", '
        'severity = "LOW", title = "t", runbook_url = "http://x" } }',
        "rules keys must be 1-64 letters",
    ),
    "email_subscriptions": ('["soc"]', "email_subscriptions must be e-mail addresses"),
    "https_subscriptions": ('["http://x.example.com"]', "https_subscriptions must be https:// URLs"),
    "slack_secret_arn": ('"slack"', "slack_secret_arn must be a Secrets Manager secret ARN"),
    "teams_secret_arn": ('"teams"', "teams_secret_arn must be a Secrets Manager secret ARN"),
    "pagerduty_secret_arn": ('"pd"', "pagerduty_secret_arn must be a Secrets Manager secret ARN"),
    "secrets_kms_key_arns": ('["alias/x"]', "secrets_kms_key_arns must hold KMS key ARNs"),
    "kms_key_arn": ('"alias/x"', "kms_key_arn must be a KMS key ARN"),
    "timeout": ("1000", "timeout must be between 3 and 900 seconds; got 1000"),
    "log_retention_in_days": ("42", "log_retention_in_days must be a value CloudWatch Logs accepts"),
    "log_level": ('"TRACE"', 'log_level must be DEBUG, INFO, WARNING or ERROR; got "TRACE"'),
    "idempotency_expires_after_seconds": ("60", "idempotency_expires_after_seconds must be at least 3600"),
}
ALSO_REPORTED = [
    "rules[*].rule_arn must be an EventBridge rule ARN",
    "rules[*].runbook_url must be empty or an https:// URL",
]


def test_every_validation_names_the_fix(tf_module_refusals):
    output = tf_module_refusals("alerting", VALID, {k: v for k, (v, _) in INVALID.items()})
    for variable, (_, message) in INVALID.items():
        assert message in output, f"{variable}: {message!r} not reported"
    for message in ALSO_REPORTED:
        assert message in output
