"""modules/genesys-backfill planned offline: schedule -> function, least-privilege IAM, disabled call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools import harness

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform")]

FIXTURE = Path(__file__).parent / "fixtures" / "module"
M = "module.backfill"


@pytest.fixture(scope="module")
def plan() -> Any:
    outcome = harness.try_plan(FIXTURE)
    assert outcome.ok and outcome.plan is not None, outcome.output
    return outcome.plan


def test_plans_the_schedule_and_the_function(plan: Any) -> None:
    counts: dict[str, int] = {}
    for r in plan.resources():
        if r.module_address.startswith(M):
            counts[r.type] = counts.get(r.type, 0) + 1
    assert counts == {
        "aws_cloudwatch_event_rule": 1,
        "aws_cloudwatch_event_target": 1,
        "aws_cloudwatch_log_group": 1,
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
    assert set(statements) == {"PutEventsOnTheAuditBus", "ReadGenesysClientCredentials", "KeepTheCheckpoint",
                               "DecryptClientCredentialsThroughSecretsManager", "ReadTheTrailForPresentAudits",
                               "WriteOwnLogs"}
    for statement in statements.values():
        assert "*" not in json.dumps(statement["Resource"]).replace(":*", "")
