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
    assert destinations == {"trail", "queue", "siem", "alert"}
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


def _module_configs(module: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield prefix, module
    for name, call in module.get("module_calls", {}).items():
        yield from _module_configs(call.get("module", {}), f"{prefix}module.{name}.")


def test_targets_reference_their_rule_resource_and_wait_for_the_dlq_policy(applied):
    """PutTargets is ordered after PutRule only if the target's `rule` references the rule resource."""
    targets = []
    for prefix, module in _module_configs(applied.raw["configuration"]["root_module"]):
        for resource in module.get("resources", []):
            if resource["type"] == "aws_cloudwatch_event_target":
                address = f"{prefix}{resource['address']}"
                targets.append(address)
                references = resource["expressions"]["rule"].get("references", [])
                assert any(r.startswith("aws_cloudwatch_event_rule.") for r in references), (address, references)
                if "dead_letter_config" in resource["expressions"]:
                    assert "aws_sqs_queue_policy.dlq" in resource.get("depends_on", []), address
    # Audit events reach their destinations through one block; the backfill's schedule is its trigger.
    pipeline = [t for t in targets if t.startswith("module.genesys_audit.") and ".module.backfill." not in t]
    assert pipeline == [f"{RULES}.aws_cloudwatch_event_target.this"]


def test_firehose_trust_names_only_the_siem_rules_within_the_iam_quota(applied):
    (stream,) = applied.resources("aws_kinesis_firehose_delivery_stream")
    routed = _routed(applied, stream.values["arn"])
    assert routed == {f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{_bus(applied)}/genesys-audit-all-audits"}
    (role,) = [r for r in applied.resources("aws_iam_role") if r.values["name"].startswith("genesys-audit-splunk-events")]
    trust = role.json("assume_role_policy")
    assert _source_arns(trust) == routed
    assert _minified(trust) < IAM_TRUST_POLICY


def test_trail_logs_policy_names_only_the_trail_rules_within_its_quota(applied):
    (group,) = [g for g in applied.resources("aws_cloudwatch_log_group") if g.values["name"] == "/aws/events/genesys-audit"]
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
    expected = {detections: _routed(applied, detections), targets_dlq: targeted}
    assert expected[detections] and expected[detections] < targeted
    seen = set()
    for policy in applied.resources("aws_sqs_queue_policy"):
        arn = queues[policy.values["queue_url"]]
        document = policy.json("policy")
        assert len(json.dumps(document, separators=(",", ":")).encode()) < SQS_QUEUE_POLICY, arn
        assert _source_arns(document) == expected.get(arn, set()), arn
        seen.add(arn)
    assert set(expected) <= seen


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
