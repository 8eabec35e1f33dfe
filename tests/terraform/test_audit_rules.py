"""modules/audit-rules on its own: one rule set per compliance domain, custom rules, create = false."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

FIXTURE = Path(__file__).parent / "fixtures" / "audit_rules_domains"
CATALOG = json.loads((Path(__file__).resolve().parents[2] / "modules/audit-rules/catalog.json").read_text())["rules"]


@pytest.fixture(scope="module")
def plan(tf_plan):
    return tf_plan(FIXTURE)


def _keys(plan, module):
    return sorted(
        r.values["tags"]["genesys-audit:rule"]
        for r in plan.resources("aws_cloudwatch_event_rule")
        if r.address.startswith(f"module.{module}.")
    )


def test_each_domain_gets_its_own_rule_set(plan):
    # Threshold (burst) rules exist only where the threshold path is on; these rule sets have none.
    single = [e for e in CATALOG if "threshold" not in e]
    assert _keys(plan, "recordings") == sorted(e["key"] for e in single if e["domain"] == "recording")
    access = sorted(
        e["key"] for e in single if e["domain"] in ("access", "identity") and e["key"] != "access-revocation"
    )
    assert _keys(plan, "access") == sorted([*access, "flow-publish"])
    assert _keys(plan, "none") == []
    assert [r.address for r in plan.resources() if r.address.startswith("module.none.")] == []


def test_destination_overrides_route_each_domain_to_its_own_target(plan):
    targets = {t.index: t.values["arn"] for t in plan.resources("aws_cloudwatch_event_target")}
    assert targets["recording-delete/legal"] == "arn:aws:sqs:eu-west-1:123456789012:legal-hold"
    assert not any(key.startswith("recording-retention-protection/") for key in targets)  # no "legal" there
    assert targets["flow-publish/queue"] == "arn:aws:sqs:eu-west-1:123456789012:iam-review"
    assert {t.values["event_bus_name"] for t in plan.resources("aws_cloudwatch_event_target")} == {"genesys-audit"}


def test_custom_rule_pattern_passes_through_unchanged_and_without_exclusions(plan):
    rule = next(r for r in plan.resources("aws_cloudwatch_event_rule") if r.values["name"] == "acc-flow-publish")
    assert rule.json("event_pattern") == {"detail": {"eventBody": {"entityType": ["Flow"]}}}
    assert rule.values["tags"]["genesys-audit:severity"] == "LOW"


def test_a_custom_pattern_that_is_not_an_object_is_refused(tf_try_plan):
    outcome = tf_try_plan(FIXTURE, bad_custom_pattern=True)
    assert not outcome.ok
    assert "custom_rules[*].event_pattern must be a JSON object" in outcome.output
