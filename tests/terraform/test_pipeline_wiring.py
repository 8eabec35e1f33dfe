"""The whole regional pipeline of examples/complete: alert, SIEM and consumer paths wired by the root module."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def complete(tf_plan):
    return tf_plan(REPO / "examples" / "complete")


@pytest.fixture(scope="module")
def complete_applied():
    from genesys_audit_tools import harness

    return harness.plan(REPO / "examples" / "complete", as_applied=True)


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


def test_consumer_reads_the_detections_queue_with_partial_batch_failures(complete, complete_applied):
    (mapping,) = complete.resources("aws_lambda_event_source_mapping")
    assert mapping.values["event_source_arn"] == f"arn:aws:sqs:eu-central-1:{ACCOUNT}:genesys-audit-detections"
    assert mapping.values["function_response_types"] == ["ReportBatchItemFailures"]
    consumer = complete.resource("module.genesys_audit.module.consumer.module.function.aws_lambda_function.this[0]")
    assert consumer.values["handler"] == "consumer.handler.handler"
    environment = consumer.values["environment"][0]["variables"]
    # One idempotency table, the alert function's, shared by the consumer (each prefixes its keys).
    (table,) = [t for t in complete.resources("aws_dynamodb_table") if ".threshold." not in t.address]  # + counts
    assert table.address == "module.genesys_audit.module.alerting.aws_dynamodb_table.idempotency[0]"
    assert environment["IDEMPOTENCY_TABLE"] == table.values["name"] == "genesys-audit-alert-idempotency"
    assert table.values["ttl"] == [{"attribute_name": "expiration", "enabled": True}]
    (policy,) = [p for p in complete_applied.resources("aws_iam_role_policy") if ".consumer." in p.address]
    (remember,) = [s for s in _statements(policy.json("policy")) if s["Sid"] == "RememberProcessedAuditIds"]
    assert remember["Resource"] == f"arn:aws:dynamodb:eu-central-1:{ACCOUNT}:table/genesys-audit-alert-idempotency"


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


def test_the_pipeline_key_policy_lists_its_actions_and_scopes_each_service(complete_applied):
    """examples/complete has one customer managed key (the pipeline's); its policy names every service
    and role of every path, each scoped by a condition."""
    keys = {k.address: k for k in complete_applied.resources("aws_kms_key")}
    assert sorted(keys) == ["module.genesys_audit.module.kms.aws_kms_key.this[0]"]
    (key,) = keys.values()
    assert key.values["enable_key_rotation"] is True and key.values["deletion_window_in_days"] == 30
    statements = {s["Sid"]: s for s in key.json("policy")["Statement"]}
    admin = statements["AccountAdministersKeyThroughIam"]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert "kms:*" not in admin["Action"]
    logs = statements["CloudWatchLogsEncryptsOurLogGroups"]
    assert logs["Principal"] == {"Service": "logs.eu-central-1.amazonaws.com"}
    for sid, statement in statements.items():
        if sid != "AccountAdministersKeyThroughIam":
            assert statement.get("Condition"), f"{sid} is not scoped by a condition"
    groups = f"arn:aws:logs:eu-central-1:{ACCOUNT}:log-group:"
    assert sorted(_as_list(logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"])) == [
        f"{groups}/aws/events/genesys-audit",
        f"{groups}/aws/kinesisfirehose/genesys-audit-splunk",
        f"{groups}/aws/lambda/genesys-audit-alert",
        f"{groups}/aws/lambda/genesys-audit-consumer",
        f"{groups}/aws/lambda/genesys-audit-threshold",
    ]
    assert statements["EventBridgeEncryptsBusArchiveAndQueueMessages"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT}
    }
    alert = statements["AlertFunctionUsesKeyThroughItsServices"]
    assert alert["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:role/genesys-audit-alert-eu-central-1"}
    assert sorted(alert["Condition"]["StringEquals"]["kms:ViaService"]) == [
        "dynamodb.eu-central-1.amazonaws.com",
        "sns.eu-central-1.amazonaws.com",
        "sqs.eu-central-1.amazonaws.com",
    ]
    firehose = statements["FirehoseRoleWritesBackupsThroughS3"]
    assert firehose["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:role/genesys-audit-splunk-firehose-eu-central-1"}
    bucket = f"arn:aws:s3:::genesys-audit-splunk-backup-{ACCOUNT}-eu-central-1"
    assert sorted(firehose["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]) == [bucket, f"{bucket}/*"]


def _key_references(values, found: list[str]) -> list[str]:
    """Every KMS key a resource names (kms_key_id, kms_master_key_id, kms_key_arn, key_arn at any depth)."""
    if isinstance(values, dict):
        for name, value in values.items():
            if name in ("kms_key_id", "kms_master_key_id", "kms_key_arn", "key_arn") and isinstance(value, str):
                found.append(value)
            else:
                _key_references(value, found)
    elif isinstance(values, list):
        for value in values:
            _key_references(value, found)
    return found


PATHS = {"alerting", "siem", "webhook", "backfill", "consumer", "queue", "trail", "bus", "rules", "monitoring"}


def test_one_key_reaches_every_path(as_applied):
    """The root's key encrypts the trail, queues, bus, alert, SIEM, webhook and backfill resources alike."""
    (key,) = as_applied.resources("aws_kms_key")
    users = {r.address: _key_references(r.values, []) for r in as_applied.resources()}
    users = {address: keys for address, keys in users.items() if keys}
    assert {k for keys in users.values() for k in keys} == {key.values["arn"]}
    paths = {p for p in PATHS for address in users if f".{p}." in address}
    complete = as_applied.raw["output_changes"]["pipeline"]["after"]["region"] == "eu-central-1"
    assert paths == (PATHS - {"webhook", "backfill"} if complete else PATHS - {"alerting", "siem"}), paths


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


def _sqs_url(region: str, name: str) -> str:
    return f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{name}"


def test_root_outputs_name_every_path_a_platform_repo_wires(as_applied):
    """What a platform repo consumes: the webhook URL, the alert topic, the Firehose stream, the functions,
    every dead-letter queue and the ops topic, as top-level outputs and in the `pipeline` object."""
    changes = as_applied.raw["output_changes"]
    pipeline = changes["pipeline"]["after"]
    unknown = changes["pipeline"]["after_unknown"] or {}
    if "eu-central-1" in pipeline["region"]:  # examples/complete: every path but the webhook
        region = "eu-central-1"
        assert pipeline["alert_topic_arn"] == f"arn:aws:sns:{region}:{ACCOUNT}:genesys-audit-alert"
        assert pipeline["alert_function_name"] == "genesys-audit-alert"
        assert (
            pipeline["firehose_stream_arn"]
            == f"arn:aws:firehose:{region}:{ACCOUNT}:deliverystream/genesys-audit-splunk"
        )
        assert pipeline["consumer_function_name"] == "genesys-audit-consumer"
        assert pipeline["ops_topic_arn"] == f"arn:aws:sns:{region}:{ACCOUNT}:genesys-audit-ops"
        assert pipeline["webhook_url"] is None and pipeline["backfill_function_name"] is None
        assert pipeline["dlq_urls"] == {
            "targets": _sqs_url(region, "genesys-audit-targets-dlq"),
            "bus": _sqs_url(region, "genesys-audit-bus-dlq"),
            "queue": _sqs_url(region, "genesys-audit-detections-dlq"),
            "alert": _sqs_url(region, "genesys-audit-alert-dlq"),
        }
    else:  # examples/webhook-ingestion: the URL to give Genesys (assigned by API Gateway at apply)
        region = "eu-west-1"
        assert unknown["webhook_url"] is True and changes["webhook_url"]["after_unknown"] is True
        assert pipeline["alert_topic_arn"] is None and pipeline["firehose_stream_arn"] is None
        assert pipeline["consumer_function_name"] == "genesys-audit-consumer"
        assert pipeline["backfill_function_name"] == "genesys-audit-backfill"
        assert pipeline["dlq_urls"] == {
            "targets": _sqs_url(region, "genesys-audit-targets-dlq"),
            "bus": _sqs_url(region, "genesys-audit-bus-dlq"),
            "queue": _sqs_url(region, "genesys-audit-detections-dlq"),
            "alert": None,
        }


def test_root_module_has_a_top_level_output_for_each_wired_path():
    """Platform repos wire these one by one (`module.genesys_audit.webhook_url`...)."""
    declared = set(re.findall(r'^output "([^"]+)"', (REPO / "outputs.tf").read_text(), re.M))
    assert {
        "webhook_url",
        "alert_topic_arn",
        "firehose_stream_arn",
        "consumer_function_name",
        "alert_function_name",
        "targets_dlq_url",
        "bus_dlq_url",
        "queue_dlq_url",
        "alert_dlq_url",
        "ops_topic_arn",
        "pipeline",
    } <= declared
