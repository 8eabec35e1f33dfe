"""One target path: every EventBridge target is made by modules/audit-rules, whatever the destination, and
each destination's resource policy names exactly the rules routed to it, within its AWS quota."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
PIPELINE = Path(__file__).parent / "fixtures" / "pipeline"
ACCOUNT = "123456789012"
REGION = "eu-central-1"
RULES = "module.genesys_audit.module.rules"
ALERT_FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:genesys-audit-alert"
THRESHOLD_FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:genesys-audit-threshold"

# AWS quotas on the documents below (characters of the minified JSON, bytes for SQS).
IAM_TRUST_POLICY = 2048  # IAM: role trust policy length (ACLSizePerRole)
LOGS_RESOURCE_POLICY = 5120  # CloudWatch Logs: resource policy document
SQS_QUEUE_POLICY = 8192  # SQS: policy document, bytes
LAMBDA_RESOURCE_POLICY = 20480  # Lambda: function resource-based policy, bytes


@pytest.fixture(scope="module")
def applied():
    """examples/complete with the identifiers AWS assigns at apply, so every target ARN is readable."""
    from genesys_audit_tools import harness

    return harness.plan(REPO / "examples" / "complete", as_applied=True)


def _minified(document: Any) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _source_arns(policy: dict[str, Any]) -> set[str]:
    """Every aws:SourceArn an Allow statement of the policy names."""
    arns: set[str] = set()
    for statement in _statements(policy):
        if statement["Effect"] == "Allow":
            for test in statement.get("Condition", {}).values():
                arns.update(_as_list(test.get("aws:SourceArn", [])))
    return arns


def _routed(plan, destination_arn: str) -> set[str]:
    """ARNs of the rules that have a target on destination_arn, read from the planned targets and rules."""
    rule_arns = {r.values["name"]: r.values["arn"] for r in plan.resources("aws_cloudwatch_event_rule")}
    return {
        rule_arns[t.values["rule"]]
        for t in plan.resources("aws_cloudwatch_event_target")
        if t.values["arn"] == destination_arn
    }


def test_every_target_is_made_in_audit_rules_with_retry_and_the_one_dlq(applied):
    targets = applied.resources("aws_cloudwatch_event_target")
    assert {t.module_address for t in targets} == {RULES}
    destinations = {t.index.split("/")[1] for t in targets}
    assert destinations == {"trail", "queue", "siem", "alert", "threshold"}
    (dlq,) = [q for q in applied.resources("aws_sqs_queue") if q.values["name"] == "genesys-audit-targets-dlq"]
    for target in targets:
        assert target.values["dead_letter_config"] == [{"arn": dlq.values["arn"]}], target.address
        assert target.values["retry_policy"][0]["maximum_retry_attempts"] == 185, target.address
    alert = [t for t in targets if t.index.endswith("/alert")]
    assert alert and {t.values["arn"] for t in alert} == {ALERT_FUNCTION}
    for target in alert:
        (transformer,) = target.values["input_transformer"]
        rule_key = target.index.split("/")[0]
        assert transformer["input_template"].startswith(f'{{"rule": "{rule_key}", "severity": "')
        assert transformer["input_template"].endswith('"event": <aws.events.event>}')
    threshold = [t for t in targets if t.index.endswith("/threshold")]
    assert threshold and {t.values["arn"] for t in threshold} == {THRESHOLD_FUNCTION}
    for target in threshold:
        (transformer,) = target.values["input_transformer"]
        assert '"threshold": {"count":' in transformer["input_template"], target.address


def _module_configs(module: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield prefix, module
    for name, call in module.get("module_calls", {}).items():
        yield from _module_configs(call.get("module", {}), f"{prefix}module.{name}.")


def test_targets_reference_their_rule_resource_and_wait_for_the_dlq_policy(applied):
    """PutTargets is ordered after PutRule only if the target's `rule` references the rule resource, and
    after the dead-letter queue's policy only if its dead-letter ARN comes from the sqs-queue output that
    depends on that policy."""
    targets = []
    configs = dict(_module_configs(applied.raw["configuration"]["root_module"]))
    for prefix, module in configs.items():
        for resource in module.get("resources", []):
            if resource["type"] == "aws_cloudwatch_event_target":
                address = f"{prefix}{resource['address']}"
                targets.append(address)
                references = resource["expressions"]["rule"].get("references", [])
                assert any(r.startswith("aws_cloudwatch_event_rule.") for r in references), (address, references)
                if "dead_letter_config" in resource["expressions"]:
                    (dead_letter,) = resource["expressions"]["dead_letter_config"]
                    assert "module.dlq.arn" in dead_letter["arn"].get("references", []), address
                    queue_module = configs[f"{prefix}module.dlq."]
                    assert queue_module["outputs"]["arn"]["depends_on"] == ["aws_sqs_queue_policy.this"]
    # Audit events reach their destinations through one block; the backfill's schedule is its trigger.
    pipeline = [t for t in targets if t.startswith("module.genesys_audit.") and ".module.backfill." not in t]
    assert pipeline == [f"{RULES}.aws_cloudwatch_event_target.this"]


def test_firehose_trust_names_only_the_siem_rules_within_the_iam_quota(applied):
    (stream,) = applied.resources("aws_kinesis_firehose_delivery_stream")
    routed = _routed(applied, stream.values["arn"])
    assert routed == {f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{_bus(applied)}/genesys-audit-all-audits"}
    (role,) = [
        r for r in applied.resources("aws_iam_role") if r.values["name"].startswith("genesys-audit-splunk-events")
    ]
    trust = role.json("assume_role_policy")
    assert _source_arns(trust) == routed
    assert _minified(trust) < IAM_TRUST_POLICY


def test_trail_logs_policy_names_only_the_trail_rules_within_its_quota(applied):
    (group,) = [
        g for g in applied.resources("aws_cloudwatch_log_group") if g.values["name"] == "/aws/events/genesys-audit"
    ]
    routed = _routed(applied, group.values["arn"])
    assert len(routed) == 1
    (policy,) = applied.resources("aws_cloudwatch_log_resource_policy")
    document = policy.json("policy_document")
    assert _source_arns(document) == routed
    assert _minified(document) < LOGS_RESOURCE_POLICY


def test_queue_policies_name_only_the_rules_that_target_them_within_the_sqs_quota(applied):
    queues = {q.values["url"]: q.values["arn"] for q in applied.resources("aws_sqs_queue")}
    detections = f"arn:aws:sqs:{REGION}:{ACCOUNT}:genesys-audit-detections"
    targets_dlq = f"arn:aws:sqs:{REGION}:{ACCOUNT}:genesys-audit-targets-dlq"
    targeted = {
        r.values["arn"]
        for r in applied.resources("aws_cloudwatch_event_rule")
        if r.values["name"] in {t.values["rule"] for t in applied.resources("aws_cloudwatch_event_target")}
    }
    bus_dlq = f"arn:aws:sqs:{REGION}:{ACCOUNT}:genesys-audit-bus-dlq"
    bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{_bus(applied)}"
    routed = _routed(applied, detections)
    assert routed and routed < targeted
    # Exact ARNs while they fit the policy (modules/audit-rules `exact_source_arns_max_bytes`), else every rule
    # of this pipeline: its bus and its name prefix.
    pattern = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{_bus(applied)}/genesys-audit-*"

    def named(arns: set[str]) -> set[str]:
        return arns if len(json.dumps(sorted(arns), separators=(",", ":"))) <= 7168 else {pattern}

    expected = {detections: named(routed), targets_dlq: named(targeted), bus_dlq: {bus}}
    seen = set()
    for policy in applied.resources("aws_sqs_queue_policy"):
        arn = queues[policy.values["queue_url"]]
        document = policy.json("policy")
        assert len(json.dumps(document, separators=(",", ":")).encode()) < SQS_QUEUE_POLICY, arn
        assert _source_arns(document) == expected.get(arn, set()), arn
        seen.add(arn)
    assert set(expected) <= seen


def test_queue_policies_name_every_rule_of_the_pipeline_once_exact_arns_no_longer_fit(tf_plan):
    """Past about 38 rules the exact ARNs cannot fit SQS's 8,192 policy bytes: the queue policies then name
    every rule of this pipeline (its bus, its name prefix) with ArnLike, and stay within the quota."""
    plan = tf_plan(Path(__file__).parent / "fixtures" / "large_config")
    (bus,) = plan.resources("aws_cloudwatch_event_bus")
    pattern = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus.values['name']}/genesys-audit-prod01-*"
    queues = {q.values["name"]: q for q in plan.resources("aws_sqs_queue")}
    by_queue = {q.values["name"]: p for q in queues.values() for p in plan.resources("aws_sqs_queue_policy")
                if p.address.rsplit(".", 2)[0] == q.address.rsplit(".", 2)[0]}
    rules = len(plan.resources("aws_cloudwatch_event_rule"))
    assert rules > 38
    for name in ("genesys-audit-prod01-detections", "genesys-audit-prod01-targets-dlq"):
        document = by_queue[name].json("policy")
        [allow] = [s for s in _statements(document) if s["Effect"] == "Allow"]
        assert allow["Condition"] == {"ArnLike": {"aws:SourceArn": pattern}}, name
        assert len(json.dumps(document, separators=(",", ":")).encode()) < SQS_QUEUE_POLICY, name


def test_alert_permissions_name_every_rule_of_the_pipeline_once_per_rule_ones_pass_the_budget(tf_plan):
    """40 alert rules would take about 18 KB of the alert function's 20 KB resource policy, one statement
    each: past the module's 16 KB budget one permission names every rule of this pipeline instead."""
    plan = tf_plan(Path(__file__).parent / "fixtures" / "large_config")
    (bus,) = plan.resources("aws_cloudwatch_event_bus")
    alert_rules = [t for t in plan.resources("aws_cloudwatch_event_target") if t.values["target_id"].endswith("-alert")]
    assert len(alert_rules) >= 40
    permissions = [p.values for p in plan.resources("aws_lambda_permission")
                   if p.address.startswith("module.genesys_audit.module.alerting.")]
    assert [(p["statement_id"], p["source_arn"]) for p in permissions] == [
        ("AllowEventBridge-pipeline-rules",
         f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus.values['name']}/genesys-audit-prod01-*")
    ]


def test_alert_permissions_name_exactly_the_alert_rules(applied):
    routed = _routed(applied, ALERT_FUNCTION)
    permissions = [p for p in applied.resources("aws_lambda_permission") if p.values["function_name"].endswith("alert")]
    assert {p.values["source_arn"] for p in permissions} == routed
    assert len(permissions) == len(routed)
    # The function's resource policy as Lambda stores it: one statement per permission.
    policy = {
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [
            {
                "Sid": p.values["statement_id"],
                "Effect": "Allow",
                "Principal": {"Service": p.values["principal"]},
                "Action": p.values["action"],
                "Resource": ALERT_FUNCTION,
                "Condition": {"ArnLike": {"AWS:SourceArn": p.values["source_arn"]}},
            }
            for p in permissions
        ],
    }
    assert len(json.dumps(policy, separators=(",", ":")).encode()) < LAMBDA_RESOURCE_POLICY


def test_every_targeted_rule_alarms_on_failed_invocations_and_on_failed_dead_letters(tf_plan):
    """A rule routed only to alert is watched like any other (the alert targets used to be made apart)."""
    plan = tf_plan(PIPELINE, catalog={"destinations": {"role-change": ["alert"]}})
    targets = plan.resources("aws_cloudwatch_event_target")
    assert {t.index for t in targets if t.values["rule"] == "genesys-audit-role-change"} == {"role-change/alert"}
    targeted = {t.values["rule"] for t in targets if t.module_address == "module.pipeline.module.rules"}
    alarms = {a.values["alarm_name"]: a.values for a in plan.resources("aws_cloudwatch_metric_alarm")}
    for rule in targeted:
        failed = alarms[f"{rule}-failed-invocations"]
        assert (failed["namespace"], failed["metric_name"]) == ("AWS/Events", "FailedInvocations")
        assert "went to its dead-letter queue" not in failed["alarm_description"]
        lost = alarms[f"{rule}-dlq-send-failed"]
        assert lost["metric_name"] == "InvocationsFailedToBeSentToDlq"
        assert lost["dimensions"] == {"RuleName": rule, "EventBusName": _bus(plan)}


def _bus(plan) -> str:
    (bus,) = plan.resources("aws_cloudwatch_event_bus")
    return str(bus.values["name"])


# -- event patterns within EventBridge's quota ---------------------------------------------------------

# A dozen automation clients: every catalog pattern carries the list (about 39 characters per id).
MANY_CLIENTS = [f"0000{i:04d}-aaaa-4aaa-8aaa-00000000{i:04d}" for i in range(48)]


def test_every_rendered_pattern_of_examples_complete_is_within_the_quota(applied):
    lengths = {
        r.values["name"]: len(r.values["event_pattern"])
        for r in applied.resources("aws_cloudwatch_event_rule")
        if r.values.get("event_pattern")
    }
    assert lengths and max(lengths.values()) <= 2048, lengths


def test_a_pattern_over_the_quota_is_refused_at_plan_time_naming_the_rule(tf_try_plan):
    outcome = tf_try_plan(PIPELINE, exclusions={"client_ids": MANY_CLIENTS})
    assert not outcome.ok
    output = " ".join(outcome.output.replace("│", " ").split())
    assert 'The event pattern of rule "oauth-client-delete" is ' in output
    assert "characters, over EventBridge's 2048-character event-pattern quota" in output
    assert "set event_pattern_max_length (up to 4096)" in output


def test_a_raised_pattern_quota_lets_the_same_pipeline_plan(tf_plan):
    plan = tf_plan(PIPELINE, exclusions={"client_ids": MANY_CLIENTS}, event_pattern_max_length=4096)
    lengths = [
        len(r.values["event_pattern"])
        for r in plan.resources("aws_cloudwatch_event_rule")
        if r.values.get("event_pattern")
    ]
    assert 2048 < max(lengths) <= 4096


# -- one name-length rule, at the root ---------------------------------------------------------------


def test_a_twenty_character_name_plans_with_every_path_on(tf_plan):
    """The root allowed 20 characters, but the SIEM path refused any name over 17 with its own message."""
    plan = tf_plan(PIPELINE, name="a" * 20)
    (stream,) = plan.resources("aws_kinesis_firehose_delivery_stream")
    assert stream.values["name"] == "a" * 20 + "-splunk"
    for role in plan.resources("aws_iam_role"):
        assert len(role.values["name"]) <= 64, role.values["name"]


def test_a_name_too_long_for_a_derived_name_is_refused_once_about_name(tf_try_plan):
    outcome = tf_try_plan(PIPELINE, name="b" * 30)
    assert not outcome.ok
    output = " ".join(outcome.output.replace("│", " ").split())
    assert f'name "{"b" * 30}" (30 characters) is too long for the names derived from it:' in output
    assert "the Splunk backup bucket name" in output and "over its AWS limit of 63" in output
    assert "Use a name of at most 26 characters, or give siem.backup_bucket_name." in output
    # Only the root speaks: no module refuses a name the caller never typed.
    assert output.count("Error:") == 1, output


# -- the key, the bus and its dead-letter queue ----------------------------------------------------------

PIPELINE_KEY = "module.genesys_audit.module.kms.aws_kms_key.this[0]"


def test_the_pipeline_key_lets_eventbridge_reencrypt_for_the_archive(applied):
    (archive,) = applied.resources("aws_cloudwatch_event_archive")
    key = applied.resource(PIPELINE_KEY)
    assert archive.values["kms_key_identifier"] == key.values["arn"]
    statements = {s["Sid"]: s for s in key.json("policy")["Statement"]}
    events = statements["EventBridgeEncryptsBusArchiveAndQueueMessages"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert {"kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*"} <= set(
        _as_list(events["Action"])
    )


def test_the_encrypted_bus_dead_letters_to_a_kms_queue_only_it_may_use_with_an_alarm(applied):
    (bus,) = applied.resources("aws_cloudwatch_event_bus")
    key = applied.resource(PIPELINE_KEY).values["arn"]
    assert bus.values["kms_key_identifier"] == key
    (dlq,) = [q for q in applied.resources("aws_sqs_queue") if q.values["name"] == "genesys-audit-bus-dlq"]
    assert bus.values["dead_letter_config"] == [{"arn": dlq.values["arn"]}]
    assert dlq.values["kms_master_key_id"] == key
    (policy,) = [p for p in applied.resources("aws_sqs_queue_policy") if p.values["queue_url"] == dlq.values["url"]]
    assert _source_arns(policy.json("policy")) == {bus.values["arn"]}
    alarms = {a.values["alarm_name"]: a.values for a in applied.resources("aws_cloudwatch_metric_alarm")}
    assert alarms["genesys-audit-bus-dlq-not-empty"]["dimensions"] == {"QueueName": "genesys-audit-bus-dlq"}


def test_the_targets_dead_letter_queue_is_encrypted_with_the_pipeline_key(applied):
    (dlq,) = [q for q in applied.resources("aws_sqs_queue") if q.values["name"] == "genesys-audit-targets-dlq"]
    assert dlq.values["kms_master_key_id"] == applied.resource(PIPELINE_KEY).values["arn"]
    assert not dlq.values.get("sqs_managed_sse_enabled")


# -- security ----------------------------------------------------------------------------------------------


def test_the_trail_is_deletion_protected_and_the_archive_refuses_destruction(applied):
    (trail,) = [
        g for g in applied.resources("aws_cloudwatch_log_group") if g.values["name"] == "/aws/events/genesys-audit"
    ]
    assert trail.values["deletion_protection_enabled"] is True
    (archive,) = applied.resources("aws_cloudwatch_event_archive")
    # The block with lifecycle { prevent_destroy = true } (Terraform cannot take that from a variable).
    assert archive.address == "module.genesys_audit.module.bus.aws_cloudwatch_event_archive.protected[0]"
    module = applied.raw["configuration"]["root_module"]["module_calls"]["genesys_audit"]["module"]
    blocks = {r["address"] for r in module["module_calls"]["bus"]["module"]["resources"]}
    assert {"aws_cloudwatch_event_archive.protected", "aws_cloudwatch_event_archive.this"} <= blocks


def test_a_custom_bus_takes_put_events_only_from_our_writers(tf_plan):
    plan = tf_plan(REPO / "examples" / "webhook-ingestion")
    (policy,) = plan.resources("aws_cloudwatch_event_bus_policy")
    (statement,) = policy.json("policy")["Statement"]
    assert (statement["Sid"], statement["Effect"], statement["Action"]) == (
        "OnlyOurWritersPutEvents",
        "Deny",
        "events:PutEvents",
    )
    assert statement["Principal"] == "*" or statement["Principal"] == {"AWS": "*"}
    writers = sorted(_as_list(statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]))
    roles = {r.values["name"] for r in plan.resources("aws_iam_role")}
    assert [w.split(":role/")[1] for w in writers] == sorted(n for n in roles if "webhook" in n or "backfill" in n)
    assert len(writers) == 2


def test_consumer_and_alert_roles_use_the_key_only_through_their_services(applied, tf_plan):
    policies = {p.address: p.json("policy") for p in applied.resources("aws_iam_role_policy")}
    consumer = policies["module.genesys_audit.module.consumer.module.function.aws_iam_role_policy.this[0]"]
    statements = {s["Sid"]: s for s in consumer["Statement"]}
    assert sorted(statements["DecryptQueueAndTable"]["Condition"]["StringEquals"]["kms:ViaService"]) == [
        f"dynamodb.{REGION}.amazonaws.com",
        f"lambda.{REGION}.amazonaws.com",
        f"sqs.{REGION}.amazonaws.com",
    ]
    own_key = tf_plan(Path(__file__).parent / "fixtures" / "alerting")
    policy = own_key.resource("module.own_key.module.function.aws_iam_role_policy.this[0]").json("policy")
    given = {s["Sid"]: s for s in policy["Statement"]}["UseGivenKmsKey"]
    assert "kms:ViaService" in given["Condition"]["StringEquals"]
    for policy in policies.values():
        for statement in _statements(policy):
            if any(a.startswith("kms:") and a != "kms:DescribeKey" for a in _as_list(statement["Action"])):
                assert "kms:ViaService" in json.dumps(statement.get("Condition", {})), statement["Sid"]


def test_a_key_alias_is_refused_with_the_fix(tf_try_plan):
    outcome = tf_try_plan(PIPELINE, kms_key_arn="arn:aws:kms:eu-west-1:123456789012:alias/genesys-audit")
    assert not outcome.ok
    output = " ".join(outcome.output.replace("│", " ").split())
    assert "kms_key_arn must be a KMS key ARN such as arn:aws:kms:" in output
    assert "not an alias or a key id" in output
    assert "aws kms describe-key --key-id alias/<name> --query KeyMetadata.Arn" in output


# -- the Powertools layer per partition ----------------------------------------------------------------


def test_outside_the_commercial_partition_a_powertools_layer_arn_is_required(tf_try_plan):
    outcome = tf_try_plan(PIPELINE, region="us-gov-west-1")
    assert not outcome.ok
    output = " ".join(outcome.output.replace("│", " ").split())
    assert 'No public Powertools layer is known for partition "aws-us-gov" (region us-gov-west-1)' in output
    assert "lambda = { powertools_layer_arn = " in output
    assert ":017000801446:" not in output


def test_a_given_powertools_layer_is_used_in_govcloud(tf_plan):
    layer = "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:powertools-v3:4"
    plan = tf_plan(PIPELINE, region="us-gov-west-1", package={"powertools_layer_arn": layer})
    functions = plan.resources("aws_lambda_function")
    assert len(functions) == 2
    for function in functions:
        assert function.values["layers"] == [layer], function.address


# -- operations ------------------------------------------------------------------------------------------


def test_reserved_concurrency_is_optional_for_accounts_with_a_low_quota(tf_plan):
    default = tf_plan(PIPELINE)
    alert = "module.pipeline.module.alerting.module.function.aws_lambda_function.this[0]"
    assert default.resource(alert).values["reserved_concurrent_executions"] == 5
    unreserved = tf_plan(PIPELINE, reserved_concurrency={"alert": None, "ingestion": None, "backfill": None})
    assert unreserved.resource(alert).values.get("reserved_concurrent_executions") in (None, -1)


def test_a_queue_policy_always_names_its_senders(tf_module_refusals):
    """modules/sqs-queue, behind every queue of the pipeline: EventBridge may send only for the ARNs given,
    compared with ArnEquals or ArnLike; a queue name SQS would refuse is refused at plan time."""
    output = tf_module_refusals(
        "sqs-queue",
        {"name": '"genesys-audit-targets-dlq"', "region": '"eu-west-1"', "account_id": '"123456789012"'},
        {
            "eventbridge_senders": '{ sid = "Anyone", test = "StringLike", source_arns = ["*"] }',
            "name": '"genesys-audit-dlq.fifo"',
        },
    )
    assert 'eventbridge_senders.test must be "ArnEquals" (exact ARNs) or "ArnLike" (a pattern)' in output
    assert "name must be an SQS queue name: 1-80 letters, digits, '-' or '_' (no .fifo)" in output
