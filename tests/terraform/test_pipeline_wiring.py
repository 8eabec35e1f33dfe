"""The whole regional pipeline of examples/complete: alert, SIEM and consumer paths wired by the root module."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def complete(tf_plan):
    return tf_plan(REPO / "examples" / "complete")


def _statements(policy: dict) -> list[dict]:
    statements = policy["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module", params=["complete", "webhook-ingestion"])
def as_applied(request):
    """The examples with every Lambda, planned with the identifiers AWS assigns at apply (KMS key ARNs...),
    so every policy is readable."""
    from genesys_audit_tools import harness

    return harness.plan(REPO / "examples" / request.param, as_applied=True)


def test_every_lambda_policy_has_no_wildcard_action_and_only_our_resources(as_applied):
    policies = as_applied.resources("aws_iam_role_policy")
    assert len(policies) >= 3  # alert, consumer, firehose/events roles...
    for policy in policies:
        for statement in _statements(policy.json("policy")):
            for action in _as_list(statement["Action"]):
                assert action != "*" and not action.endswith(":*"), (policy.address, action)
            for resource in _as_list(statement["Resource"]):
                assert resource != "*", (policy.address, statement.get("Sid"))
                assert ACCOUNT in resource or resource.startswith("arn:aws:s3:::"), (policy.address, resource)


def test_consumer_reads_the_detections_queue_with_partial_batch_failures(complete):
    (mapping,) = complete.resources("aws_lambda_event_source_mapping")
    assert mapping.values["event_source_arn"] == f"arn:aws:sqs:eu-central-1:{ACCOUNT}:genesys-audit-detections"
    assert mapping.values["function_response_types"] == ["ReportBatchItemFailures"]
    consumer = complete.resource("module.genesys_audit.module.consumer.module.function.aws_lambda_function.this[0]")
    assert consumer.values["handler"] == "consumer.handler.handler"
    environment = consumer.values["environment"][0]["variables"]
    assert environment["IDEMPOTENCY_TABLE"] == "genesys-audit-consumer-idempotency"
    (table,) = [t for t in complete.resources("aws_dynamodb_table") if ".consumer." in t.address]
    assert table.values["ttl"] == [{"attribute_name": "expiration", "enabled": True}]


def test_alert_targets_add_rule_key_and_severity_and_permissions_are_scoped(complete):
    targets = [t for t in complete.resources("aws_cloudwatch_event_target") if t.index.endswith("/alert")]
    assert targets
    for target in targets:
        (transformer,) = target.values["input_transformer"]
        template = transformer["input_template"]
        rule = target.index.split("/")[0]
        assert f'"rule": "{rule}"' in template or f'"rule":"{rule}"' in template
        assert "<aws.events.event>" in template
    permissions = [p for p in complete.resources("aws_lambda_permission") if ".module.alerting." in p.address]
    assert {p.index for p in permissions} == {t.index.split("/")[0] for t in targets}
    for permission in permissions:
        assert permission.values["principal"] == "events.amazonaws.com"
        assert permission.values["source_arn"].startswith(f"arn:aws:events:eu-central-1:{ACCOUNT}:rule/aws.partner/")


def test_siem_gets_the_trail_rule_through_firehose_with_the_token_in_secrets_manager(complete):
    siem = complete.resource('module.genesys_audit.module.rules.aws_cloudwatch_event_target.this["all-audits/siem"]')
    assert siem.unknown.get("arn") is True and siem.unknown.get("role_arn") is True  # the stream and role
    (stream,) = complete.resources("aws_kinesis_firehose_delivery_stream")
    splunk = stream.values["splunk_configuration"][0]
    assert "hec_token" not in splunk or splunk["hec_token"] is None
    assert splunk["secrets_manager_configuration"][0]["secret_arn"].endswith(":secret:genesys-audit/splunk-hec-AbCdEf")
    blocks = complete.resources("aws_s3_bucket_public_access_block")
    assert blocks and all(
        b.values[k]
        for b in blocks
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )


def test_lambda_code_hash_is_stable_between_plans(complete, tf_try_plan):
    again = tf_try_plan(REPO / "examples" / "complete", region="eu-central-1")
    assert again.ok, again.output
    hashes = {f.address: f.values["source_code_hash"] for f in complete.resources("aws_lambda_function")}
    assert hashes == {f.address: f.values["source_code_hash"] for f in again.plan.resources("aws_lambda_function")}
    assert all(len(h) == 44 for h in hashes.values())
    json.dumps(hashes)


def test_every_dead_letter_queue_and_the_alert_channels_have_an_alarm(complete):
    """Nothing is lost silently: each DLQ alarms when not empty, and so do failing channels and a lost dedup table."""
    queues = {q.values["name"] for q in complete.resources("aws_sqs_queue") if q.values["name"].endswith("-dlq")}
    assert queues == {
        "genesys-audit-bus-dlq",
        "genesys-audit-targets-dlq",
        "genesys-audit-detections-dlq",
        "genesys-audit-alert-dlq",
        "genesys-audit-threshold-dlq",
    }
    alarms = {a.values["alarm_name"]: a for a in complete.resources("aws_cloudwatch_metric_alarm")}
    for queue in queues:
        alarm = alarms[f"{queue}-not-empty"]
        assert alarm.values["dimensions"] == {"QueueName": queue}
    channel = alarms["genesys-audit-alert-channel-failures"]
    assert channel.values["metric_name"] == "AlertChannelFailures"
    assert channel.unknown.get("alarm_actions") or channel.values["alarm_actions"]  # the ops topic
    dedup = alarms["genesys-audit-alert-deduplication-unavailable"]  # alerts sent without deduplication
    assert dedup.values["metric_name"] == "AlertDeduplicationUnavailable"
    assert dedup.unknown.get("alarm_actions") or dedup.values["alarm_actions"]


def test_every_key_policy_lists_its_actions_and_scopes_each_service(complete):
    """The customer managed keys of examples/complete (pipeline, alerting, Splunk) share one policy shape."""
    keys = {k.address: k for k in complete.resources("aws_kms_key") if k.values.get("policy")}
    assert sorted(keys) == [
        "module.genesys_audit.module.alerting.module.kms.aws_kms_key.this[0]",
        "module.genesys_audit.module.kms.aws_kms_key.this[0]",
        "module.genesys_audit.module.siem.module.kms.aws_kms_key.this[0]",
    ]
    for address, key in keys.items():
        assert key.values["enable_key_rotation"] is True and key.values["deletion_window_in_days"] == 30
        statements = {s["Sid"]: s for s in key.json("policy")["Statement"]}
        admin = statements["AccountAdministersKeyThroughIam"]
        assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, address
        assert "kms:*" not in admin["Action"], address
        logs = statements["CloudWatchLogsEncryptsOurLogGroups"]
        assert logs["Principal"] == {"Service": "logs.eu-central-1.amazonaws.com"}
        assert set(logs["Condition"]) == {"ArnEquals"}, address
        for sid, statement in statements.items():
            if sid != "AccountAdministersKeyThroughIam":
                assert statement.get("Condition"), f"{address} {sid} is not scoped by a condition"
    pipeline = {
        s["Sid"]: s for s in keys["module.genesys_audit.module.kms.aws_kms_key.this[0]"].json("policy")["Statement"]
    }
    assert pipeline["CloudWatchLogsEncryptsOurLogGroups"]["Condition"]["ArnEquals"] == {
        "kms:EncryptionContext:aws:logs:arn": [
            f"arn:aws:logs:eu-central-1:{ACCOUNT}:log-group:/aws/lambda/genesys-audit-threshold",
            f"arn:aws:logs:eu-central-1:{ACCOUNT}:log-group:/aws/lambda/genesys-audit-consumer",
            f"arn:aws:logs:eu-central-1:{ACCOUNT}:log-group:/aws/events/genesys-audit",
        ]
    }
    assert pipeline["EventBridgeEncryptsBusArchiveAndQueueMessages"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT}
    }


def _logs_may_use(key_policy: dict, region: str, log_group_arn: str) -> bool:
    """Whether the key policy lets CloudWatch Logs of `region` encrypt the log group (kms:EncryptionContext)."""
    for statement in _statements(key_policy):
        if statement.get("Principal") != {"Service": f"logs.{region}.amazonaws.com"}:
            continue
        scoped = statement.get("Condition", {}).get("ArnEquals", {}).get("kms:EncryptionContext:aws:logs:arn", [])
        if log_group_arn in _as_list(scoped):
            return True
    return False


def test_every_log_group_encrypted_with_our_key_is_allowed_by_its_policy(as_applied):
    """A log group whose key policy does not name it fails at apply (CreateLogGroup: AccessDenied)."""
    keys = {k.values["arn"]: k for k in as_applied.resources("aws_kms_key")}
    encrypted = [g for g in as_applied.resources("aws_cloudwatch_log_group") if g.values.get("kms_key_id")]
    # complete: trail, Firehose errors, alert and consumer functions; webhook-ingestion: trail, API access
    # logs, ingestion, consumer and backfill functions.
    assert len(encrypted) >= 4
    for group in encrypted:
        key = keys[group.values["kms_key_id"]]
        region = group.values["arn"].split(":")[3]
        assert _logs_may_use(key.json("policy"), region, group.values["arn"]), (
            f"{group.values['name']} is encrypted with {key.address}, whose policy does not let CloudWatch Logs use it"
        )
