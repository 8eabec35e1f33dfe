"""modules/splunk-firehose planned offline: token via Secrets Manager, hardened backup, scoped roles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

FIXTURE = Path(__file__).parent / "fixtures" / "splunk_firehose"
MODULE_DIR = FIXTURE.parents[3] / "modules" / "splunk-firehose"
M = "module.splunk"
LOCKED = "module.locked"
REGION = "eu-west-2"
ACCOUNT = "123456789012"
NAME = "genesys-audit-splunk"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:genesys-audit/hec-AbCdEf"
BUCKET = f"{NAME}-backup-{ACCOUNT}-{REGION}"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
STREAM_ARN = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{NAME}"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/kinesisfirehose/{NAME}"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/genesys-audit/genesys-audit-siem"
OPS_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:genesys-audit-ops"


@pytest.fixture(scope="module")
def plan(tf_plan):
    return tf_plan(FIXTURE)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _in(plan, module: str, type: str) -> list[Any]:
    return [r for r in plan.resources(type) if r.module_address == module]


def test_plans_the_whole_stack(plan):
    counts: dict[str, int] = {}
    for r in plan.resources():
        if r.module_address in (M, f"{M}.module.kms"):
            counts[r.type] = counts.get(r.type, 0) + 1
    assert counts == {
        "aws_cloudwatch_log_group": 1,
        "aws_cloudwatch_log_stream": 2,
        "aws_cloudwatch_metric_alarm": 3,
        "aws_iam_role": 2,
        "aws_iam_role_policy": 2,
        "aws_kinesis_firehose_delivery_stream": 1,
        "aws_kms_alias": 1,
        "aws_kms_key": 1,
        "aws_s3_bucket": 1,
        "aws_s3_bucket_lifecycle_configuration": 1,
        "aws_s3_bucket_ownership_controls": 1,
        "aws_s3_bucket_policy": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_server_side_encryption_configuration": 1,
        "aws_s3_bucket_versioning": 1,
    }
    regional = [
        r for r in plan.resources() if r.module_address in (M, f"{M}.module.kms") and not r.type.startswith("aws_iam_")
    ]
    assert {r.region for r in regional} == {REGION}
    roles = sorted(r.values["name"] for r in _in(plan, M, "aws_iam_role"))
    assert roles == [f"{NAME}-events-{REGION}", f"{NAME}-firehose-{REGION}"]


def test_create_false_yields_zero_resources(plan):
    disabled = [r.address for r in plan.resources() if (r.module_address or "").startswith("module.disabled")]
    assert disabled == []
    assert [d.address for d in plan.data_sources() if d.address.startswith("module.disabled")] == []


def test_hec_token_comes_from_secrets_manager_and_never_from_terraform(plan):
    stream = plan.resource(f"{M}.aws_kinesis_firehose_delivery_stream.this[0]")
    (splunk,) = stream.values["splunk_configuration"]
    assert splunk["hec_token"] is None and "hec_token" not in stream.unknown["splunk_configuration"][0]
    (secrets,) = splunk["secrets_manager_configuration"]
    assert secrets == {"enabled": True, "secret_arn": SECRET_ARN}
    assert stream.unknown["splunk_configuration"][0]["secrets_manager_configuration"] == [{"role_arn": True}]
    # No variable of the module can take a token: secrets come in by ARN only.
    names = re.findall(r'^variable "([a-z_]+)"', (MODULE_DIR / "variables.tf").read_text(), re.MULTILINE)
    assert [n for n in names if "token" in n or "secret" in n] == [
        "hec_token_secret_arn",
        "hec_token_secret_kms_key_arn",
    ]
    assert not re.search(r"^\s*hec_token\s*=", (MODULE_DIR / "main.tf").read_text(), re.MULTILINE)


def test_splunk_destination_settings(plan):
    stream = plan.resource(f"{M}.aws_kinesis_firehose_delivery_stream.this[0]").values
    assert stream["destination"] == "splunk" and stream["name"] == NAME
    (splunk,) = stream["splunk_configuration"]
    assert splunk["hec_endpoint"] == "https://http-inputs-firehose-acme.splunkcloud.com:443"
    assert splunk["hec_endpoint_type"] == "Event"
    assert (splunk["hec_acknowledgment_timeout"], splunk["retry_duration"]) == (180, 3600)
    assert splunk["s3_backup_mode"] == "FailedEventsOnly"
    assert splunk["cloudwatch_logging_options"] == [
        {
            "enabled": True,
            "log_group_name": f"/aws/kinesisfirehose/{NAME}",
            "log_stream_name": "DestinationDelivery",
        }
    ]
    (backup,) = splunk["s3_configuration"]
    assert backup["compression_format"] == "GZIP"
    assert backup["cloudwatch_logging_options"][0]["log_stream_name"] == "BackupDelivery"
    (sse,) = stream["server_side_encryption"]
    assert sse["enabled"] is True and sse["key_type"] == "CUSTOMER_MANAGED_CMK"
    locked = plan.resource(f"{LOCKED}.aws_kinesis_firehose_delivery_stream.this[0]").values
    assert locked["splunk_configuration"][0]["s3_backup_mode"] == "AllEvents"


def test_backup_bucket_is_private_encrypted_versioned_and_expiring(plan):
    bucket = plan.resource(f"{M}.aws_s3_bucket.backup[0]").values
    assert bucket["bucket"] == BUCKET and bucket["force_destroy"] is False
    assert bucket["object_lock_enabled"] is False
    block = plan.resource(f"{M}.aws_s3_bucket_public_access_block.backup[0]").values
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (rule,) = plan.resource(f"{M}.aws_s3_bucket_server_side_encryption_configuration.backup[0]").values["rule"]
    assert rule["bucket_key_enabled"] is True
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    versioning = plan.resource(f"{M}.aws_s3_bucket_versioning.backup[0]").values
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"
    ownership = plan.resource(f"{M}.aws_s3_bucket_ownership_controls.backup[0]").values
    assert ownership["rule"][0]["object_ownership"] == "BucketOwnerEnforced"
    (lifecycle,) = plan.resource(f"{M}.aws_s3_bucket_lifecycle_configuration.backup[0]").values["rule"]
    assert lifecycle["status"] == "Enabled" and lifecycle["expiration"][0]["days"] == 400
    assert lifecycle["noncurrent_version_expiration"][0]["noncurrent_days"] == 30
    assert _in(plan, M, "aws_s3_bucket_object_lock_configuration") == []


def test_bucket_policy_denies_plain_http_and_unencrypted_puts_on_exact_arns(plan):
    policy = plan.resource(f"{M}.aws_s3_bucket_policy.backup[0]").json("policy")
    statements = {s["Sid"]: s for s in policy["Statement"]}
    tls = statements["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and sorted(tls["Resource"]) == [BUCKET_ARN, f"{BUCKET_ARN}/*"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    kms = statements["DenyObjectsNotEncryptedWithKms"]
    assert kms["Effect"] == "Deny" and kms["Resource"] == f"{BUCKET_ARN}/*"


def test_object_lock_is_optional_and_set_at_creation(plan):
    bucket = plan.resource(f"{LOCKED}.aws_s3_bucket.backup[0]").values
    assert bucket["object_lock_enabled"] is True
    assert bucket["bucket"] == f"genesys-audit-splunk-wl-backup-{ACCOUNT}-{REGION}"
    lock = plan.resource(f"{LOCKED}.aws_s3_bucket_object_lock_configuration.backup[0]").values
    assert lock["rule"][0]["default_retention"] == [{"mode": "COMPLIANCE", "days": 90, "years": None}]


def test_firehose_role_reaches_only_our_bucket_secret_and_log_group(plan):
    policy = plan.resource(f"{M}.aws_iam_role_policy.firehose[0]").json("policy")
    statements = {s["Sid"]: s for s in policy["Statement"]}
    for sid, statement in statements.items():
        assert all("*" not in action for action in _as_list(statement["Action"])), sid
    assert {sid: sorted(_as_list(s["Resource"])) for sid, s in statements.items()} == {
        "WriteBackupObjects": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
        "ReadHecTokenSecret": [SECRET_ARN],
        "WriteErrorLogs": [f"{LOG_GROUP_ARN}:log-stream:*"],
    }
    trust = plan.resource(f"{M}.aws_iam_role.firehose[0]").json("assume_role_policy")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": ACCOUNT}}


def test_eventbridge_role_puts_records_on_this_stream_only(plan):
    policy = plan.resource(f"{M}.aws_iam_role_policy.events[0]").json("policy")
    (statement,) = policy["Statement"]
    assert sorted(statement["Action"]) == ["firehose:PutRecord", "firehose:PutRecordBatch"]
    assert statement["Resource"] == STREAM_ARN
    trust = plan.resource(f"{M}.aws_iam_role.events[0]").json("assume_role_policy")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnEquals": {"aws:SourceArn": RULE_ARN},
    }
    # Without rule ARNs the trust is still limited to the account.
    locked = plan.resource(f"{LOCKED}.aws_iam_role.events[0]").json("assume_role_policy")
    assert locked["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_key_policy_scopes_the_firehose_role_to_s3_on_our_bucket(plan):
    policy = plan.resource(f"{M}.module.kms.aws_kms_key.this[0]").json("policy")
    statements = {s["Sid"]: s for s in policy["Statement"]}
    firehose = statements["FirehoseRoleWritesBackupsThroughS3"]
    assert firehose["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{NAME}-firehose-{REGION}"}
    assert firehose["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    logs = statements["CloudWatchLogsEncryptsOurLogGroups"]
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": LOG_GROUP_ARN}}


def test_alarms_on_delivery_success_throttling_and_freshness(plan):
    alarms = {r.name: r.values for r in _in(plan, M, "aws_cloudwatch_metric_alarm")}
    assert set(alarms) == {"delivery_success", "throttled", "data_freshness"}
    for alarm in alarms.values():
        assert alarm["namespace"] == "AWS/Firehose"
        assert alarm["dimensions"] == {"DeliveryStreamName": NAME}
        assert alarm["alarm_actions"] == [OPS_TOPIC] and alarm["treat_missing_data"] == "notBreaching"
    success = alarms["delivery_success"]
    assert (success["metric_name"], success["comparison_operator"], success["threshold"]) == (
        "DeliveryToSplunk.Success",
        "LessThanThreshold",
        1,
    )
    throttled = alarms["throttled"]
    assert (throttled["metric_name"], throttled["statistic"], throttled["threshold"]) == (
        "ThrottledRecords",
        "Sum",
        0,
    )
    assert alarms["data_freshness"]["metric_name"] == "DeliveryToSplunk.DataFreshness"


def test_plain_http_endpoint_is_refused(tf_try_plan):
    outcome = tf_try_plan(FIXTURE, hec_endpoint="http://splunk.example.com:8088")
    assert not outcome.ok
    assert "hec_endpoint must be an https:// URL" in outcome.output


def test_a_splunk_cloud_endpoint_must_be_the_stacks_firehose_endpoint(tf_try_plan):
    """Splunk Cloud takes Firehose on http-inputs-firehose-<stack> (indexer acknowledgement), not http-inputs-."""
    outcome = tf_try_plan(FIXTURE, hec_endpoint="https://http-inputs-acme.splunkcloud.com:443")
    assert not outcome.ok
    output = " ".join(outcome.output.replace("│", " ").split())
    assert "For Splunk Cloud, Firehose must use the stack's Firehose endpoint" in output
    assert "https://http-inputs-firehose-<stack>.splunkcloud.com:443" in output


# -- every validation, in one plan -----------------------------------------------------------------

REPO = FIXTURE.parents[3]
VALID = {
    "account_id": '"123456789012"',
    "region": '"eu-west-2"',
    "hec_endpoint": '"https://splunk.example.com:8088"',
    "hec_token_secret_arn": '"arn:aws:secretsmanager:eu-west-2:123456789012:secret:hec-AbCdEf"',
}
INVALID = {
    "name": ('"Genesys_Audit"', "name must be 2-40 lower-case letters, digits or '-'"),
    "hec_endpoint_type": ('"json"', 'hec_endpoint_type must be "Event" or "Raw"; got "json"'),
    "hec_token_secret_arn": ('"token"', "hec_token_secret_arn must be a Secrets Manager secret ARN"),
    "hec_token_secret_kms_key_arn": ('"alias/x"', "hec_token_secret_kms_key_arn must be a KMS key ARN"),
    "hec_acknowledgment_timeout": ("60", "hec_acknowledgment_timeout must be between 180 and 600 seconds"),
    "retry_duration": ("9000", "retry_duration must be between 0 and 7200 seconds; got 9000"),
    "s3_backup_mode": ('"None"', 's3_backup_mode must be "FailedEventsOnly" or "AllEvents"'),
    "buffering": ("{ interval_in_seconds = 900 }", "buffering.interval_in_seconds must be 0-60"),
    "backup_bucket": (
        '{ object_lock = { mode = "STRICT", days = 500 } }',
        'backup_bucket.object_lock.mode must be "GOVERNANCE" or "COMPLIANCE"',
    ),
    "source_rule_arns": ('["rule"]', "source_rule_arns must hold EventBridge rule ARNs"),
    "ops_topic_arn": ('"ops"', "ops_topic_arn must be an SNS topic ARN"),
    "alarms": ("{ success_threshold = 2 }", "alarms.success_threshold is a ratio in (0, 1]"),
    "log_retention_in_days": ("42", "log_retention_in_days must be a value CloudWatch Logs accepts"),
}
ALSO_REPORTED = ["backup_bucket.object_lock.days must not exceed backup_bucket.expiration_days"]


def test_every_validation_names_the_fix(tf_module_refusals):
    # Validations that read `create` are checked only once every variable passed its own: planned apart.
    reads_create = {"hec_endpoint", "hec_token_secret_arn"}
    output = tf_module_refusals(
        "splunk-firehose", VALID, {k: v for k, (v, _) in INVALID.items() if k not in reads_create}
    )
    output += tf_module_refusals("splunk-firehose", VALID, {k: v for k, (v, _) in INVALID.items() if k in reads_create})
    for variable, (_, message) in INVALID.items():
        assert message in output, f"{variable}: {message!r} not reported"
    for message in ALSO_REPORTED:
        assert message in output
