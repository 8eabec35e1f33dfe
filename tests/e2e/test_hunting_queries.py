"""The generated Splunk and Logs Insights queries, run on the events the demo delivers, select what the rules match.

The patterns are the ones Terraform renders for examples/complete (catalog match plus the example's
exclusions of its automation clients, service user and trusted CIDRs); the events are the HEC records
the simulation POSTed to its Splunk receiver (Firehose -> HEC, sourcetype genesys:cloud:audit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from genesys_audit import eventpattern
from genesys_audit_tools import harness, hunting
from genesys_audit_tools.rules import rules_from_plan
from genesys_audit_tools.simulate.run import Simulation, simulate

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("simulate")]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "complete"


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return simulate(EXAMPLE, REPO / "tests" / "fixtures" / "events")


def test_queries_select_exactly_the_events_each_rendered_rule_matches(simulation):
    records = simulation.hec_records
    assert len(records) > 30
    rules = rules_from_plan(harness.plan(EXAMPLE).raw)
    catalog = {r["key"] for r in hunting.load_catalog()}
    checked = set()
    for rule in rules:
        if rule.key == "all-audits":
            continue
        query = hunting.spl_query(rule.event_pattern, rule.key)
        expected = [i for i, r in enumerate(records) if eventpattern.matches(rule.event_pattern, r["event"])]
        assert hunting.evaluate_spl(query, records) == expected, (rule.key, query)
        insights = hunting.insights_query(rule.event_pattern, rule.key)
        assert hunting.evaluate_insights(insights, [r["event"] for r in records]) == expected, (rule.key, insights)
        checked.add(rule.key)
    # Every catalog rule was rendered with the example's exclusions and checked.
    assert catalog <= checked
    assert any("anything-but" in str(r.event_pattern) for r in rules)
