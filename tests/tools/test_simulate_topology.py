"""The simulator reads a plan's rules with the one plan reader that `genesys-audit rules` uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from genesys_audit_tools import harness
from genesys_audit_tools.rules import Rule, rules_from_plan
from genesys_audit_tools.simulate import topology

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("simulate")]
COMPLETE = Path(__file__).resolve().parents[2] / "examples" / "complete"


def test_the_topology_rules_are_the_rules_command_rules_with_their_targets() -> None:
    plan = harness.plan(COMPLETE, as_applied=True)
    topo = topology.read(plan)
    assert topo.rules == rules_from_plan(plan.raw) and all(type(r) is Rule for r in topo.rules)
    assert all(r.arn and r.arn.startswith("arn:aws:events:") and r.name and r.enabled for r in topo.rules)
    by_key = {r.key: r for r in topo.rules}
    delete = by_key["oauth-client-delete"]
    assert delete.severity and delete.bus != "default"
    targets = topo.targets_of(delete)
    planned = [t.values for t in plan.resources("aws_cloudwatch_event_target") if t.values["rule"] == delete.name]
    assert targets and sorted(t.arn for t in targets) == sorted(v["arn"] for v in planned)
    assert sum(map(len, topo.targets.values())) == len(plan.resources("aws_cloudwatch_event_target"))
