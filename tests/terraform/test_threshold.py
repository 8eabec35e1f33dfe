"""Threshold (burst) rules planned offline through examples/complete: the catalog's threshold rules, one
permission and one target each carrying the threshold, a least-privilege role, the counting table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
CATALOG = json.loads((REPO / "modules" / "audit-rules" / "catalog.json").read_text())["rules"]
ENUMS = json.loads((REPO / "tests" / "fixtures" / "reference" / "audit_topic_enums.json").read_text())
THRESHOLDS = {r["key"]: r["threshold"] for r in CATALOG if "threshold" in r}
M = "module.genesys_audit.module.threshold"
REGION = "eu-central-1"
ACCOUNT = "123456789012"
NAME = "genesys-audit-threshold"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{NAME}-counts"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{NAME}-dlq"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:genesys-audit-alert"


@pytest.fixture(scope="module")
def complete(tf_plan):
    return tf_plan(REPO / "examples" / "complete")


def _rule_arns(plan) -> dict[str, str]:
    prefix = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/"
    return {
        r.values["tags"]["genesys-audit:rule"]: prefix + r.values["event_bus_name"] + "/" + r.values["name"]
        for r in plan.resources("aws_cloudwatch_event_rule")
        if r.address.startswith("module.genesys_audit.") and "genesys-audit:rule" in r.values.get("tags", {})
    }


def test_catalog_threshold_rules_use_known_enums_and_carry_the_agreed_fields():
    assert len(THRESHOLDS) >= 4
    keys = [r["key"] for r in CATALOG]
    assert keys[: len(THRESHOLDS)] == list(THRESHOLDS), "threshold rules open the catalog"
    for rule in CATALOG[: len(THRESHOLDS)]:
        assert set(rule["match"]["entity_types"]) <= set(ENUMS["entityType"]), rule["key"]
        assert set(rule["match"]["actions"]) <= set(ENUMS["action"]), rule["key"]
        assert "threshold" in rule["destinations"], rule["key"]
        t = rule["threshold"]
        assert isinstance(t["count"], int) and t["count"] >= 2 and 1 <= t["window_minutes"] <= 1440
        assert t["group_by"] in {"actor", "entity", "source_ip", "user"}
        assert rule["attack"] and all(a.startswith("T1") for a in rule["attack"])
        assert set(rule["controls"]) == {"pci_dss_4", "soc2", "iso27001_2022"}
        assert rule["severity_reason"] and rule["runbook_url"] == f"docs/runbooks.md#{rule['key']}"
        assert set(rule["runbook"]) == {"why", "triage", "containment", "evidence", "false_positives"}


def test_permissions_name_exactly_the_threshold_rules(complete):
    arns = _rule_arns(complete)
    permissions = {
        r.address.split('"')[1]: r.values for r in complete.resources("aws_lambda_permission") if r.module_address == M
    }
    assert set(permissions) == set(THRESHOLDS)
    for key, values in permissions.items():
        assert values["source_arn"] == arns[key]
        assert values["principal"] == "events.amazonaws.com"
        assert values["function_name"] == NAME


def test_targets_carry_the_rule_and_its_threshold(complete):
    event = json.loads((REPO / "tests" / "fixtures" / "events" / "04_role_member_add.json").read_text())
    targets = {
        r.address.split('"')[1]: r.values
        for r in complete.resources("aws_cloudwatch_event_target")
        if r.address.split('"')[1].endswith("/threshold")
    }
    assert set(targets) == {f"{k}/threshold" for k in THRESHOLDS}
    for key, threshold in THRESHOLDS.items():
        (transformer,) = targets[f"{key}/threshold"]["input_transformer"]
        rendered = json.loads(transformer["input_template"].replace("<aws.events.event>", json.dumps(event)))
        assert rendered["rule"] == key and rendered["threshold"] == threshold and rendered["event"] == event
        assert rendered["severity"] in {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
        assert targets[f"{key}/threshold"]["dead_letter_config"], "failed deliveries go to the targets' DLQ"


def _statements(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert all("Sid" in s for s in policy["Statement"])
    return {s["Sid"]: s for s in policy["Statement"]}


@pytest.fixture(scope="module")
def module_plan(tf_plan):
    return tf_plan(Path(__file__).parent / "fixtures" / "threshold")


FIX = "module.threshold"
FIX_REGION = "eu-west-1"
FIX_KEY = f"arn:aws:kms:{FIX_REGION}:{ACCOUNT}:key/11111111-1111-1111-1111-111111111111"
FIX_TOPIC_KEY = f"arn:aws:kms:{FIX_REGION}:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"


def test_role_reaches_only_its_table_the_alert_topic_and_its_dlq(module_plan):
    policy = _statements(module_plan.resource(f"{FIX}.module.function.aws_iam_role_policy.this[0]").json("policy"))
    table = f"arn:aws:dynamodb:{FIX_REGION}:{ACCOUNT}:table/{NAME}-counts"
    assert policy["CountInTheThresholdTable"]["Resource"] == table
    assert sorted(policy["CountInTheThresholdTable"]["Action"]) == [
        "dynamodb:ConditionCheckItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert policy["PublishThresholdAlerts"]["Action"] == "sns:Publish"
    assert policy["PublishThresholdAlerts"]["Resource"] == f"arn:aws:sns:{FIX_REGION}:{ACCOUNT}:genesys-audit-alert"
    assert policy["DeadLetterFailedInvocations"]["Resource"] == f"arn:aws:sqs:{FIX_REGION}:{ACCOUNT}:{NAME}-dlq"
    assert policy["UsePipelineKeyThroughItsServices"]["Resource"] == FIX_KEY
    assert policy["UseAlertTopicKeyThroughSns"]["Resource"] == FIX_TOPIC_KEY
    assert policy["UseAlertTopicKeyThroughSns"]["Condition"]["StringEquals"]["kms:ViaService"] == (
        f"sns.{FIX_REGION}.amazonaws.com"
    )
    own = {"CountInTheThresholdTable", "PublishThresholdAlerts", "DeadLetterFailedInvocations"}
    own |= {"UsePipelineKeyThroughItsServices", "UseAlertTopicKeyThroughSns"}
    for sid in own:
        statement = policy[sid]
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in a for a in actions), sid
        assert "*" not in json.dumps(statement["Resource"]), sid
    permissions = {
        r.values["statement_id"]: r.values["source_arn"] for r in module_plan.resources("aws_lambda_permission")
    }
    prefix = f"arn:aws:events:{FIX_REGION}:{ACCOUNT}:rule/genesys-audit/genesys-audit"
    assert permissions == {
        "AllowEventBridge-auth-failed-burst-user": f"{prefix}-auth-failed-burst-user",
        "AllowEventBridge-user-deactivate-burst": f"{prefix}-user-deactivate-burst",
    }


def test_disabled_module_creates_nothing(module_plan):
    assert [r.address for r in module_plan.resources() if r.address.startswith("module.disabled")] == []


def test_table_is_on_demand_with_ttl_pitr_and_the_pipeline_key(complete):
    table = complete.resource(f"{M}.aws_dynamodb_table.counts[0]").values
    assert table["billing_mode"] == "PAY_PER_REQUEST" and table["hash_key"] == "pk"
    assert table["ttl"] == [{"attribute_name": "expires", "enabled": True}]
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True
    function = complete.resource(f"{M}.module.function.aws_lambda_function.this[0]").values
    assert function["environment"][0]["variables"]["THRESHOLD_TABLE_NAME"] == f"{NAME}-counts"
    assert function["environment"][0]["variables"]["ALERT_TOPIC_ARN"] == TOPIC_ARN


def test_failures_alarm(complete):
    alarms = {
        r.values["alarm_name"]: r.values
        for r in complete.resources("aws_cloudwatch_metric_alarm")
        if r.module_address in (M, "module.genesys_audit.module.monitoring")
    }
    assert alarms[f"{NAME}-errors"]["metric_name"] == "Errors"
    # its dead-letter queue is alarmed with every other one of the pipeline, by the monitoring module
    assert alarms[f"{NAME}-dlq-not-empty"]["dimensions"] == {"QueueName": f"{NAME}-dlq"}
    retries = complete.resource(f"{M}.module.function.aws_lambda_function_event_invoke_config.this[0]").values
    assert retries["maximum_retry_attempts"] == 2  # then the function's dead-letter queue (alarmed above)


def test_threshold_without_alerting_is_refused_with_the_fix(tf_try_plan):
    outcome = tf_try_plan(Path(__file__).parent / "fixtures" / "threshold-root", threshold={"enabled": True})
    assert not outcome.ok
    message = " ".join(outcome.output.split())  # Terraform wraps the message
    assert "threshold.enabled = true publishes to the alert topic, but alerting.enabled is false" in message
    assert "set alerting = { enabled = true, ... } too, or threshold.enabled = false" in message
