"""End to end: the examples planned as applied, built in moto, and the fixture corpus replayed.

Covered here: routing by the rendered rules, the trail, Splunk HEC, the webhook path through the
real ingestion Lambda, and a catalog rule broken on purpose. The alert and consumer handlers are not
in the tree yet; their assertions (alert subjects, chat/paging deliveries, consumer counts, empty
DLQs) come with them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from genesys_audit_tools.simulate.run import Simulation, simulate

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform")]

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "tests" / "fixtures" / "events"
EXPECTATIONS = json.loads((EVENTS / "expectations.json").read_text())["events"]


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return simulate(REPO / "examples" / "complete", EVENTS)


def _routed(sim: Simulation) -> dict[str, set[str]]:
    return {t.label: set(t.rules) for t in sim.traces}


def test_every_event_is_routed_to_exactly_the_expected_rules(simulation):
    routed = _routed(simulation)
    assert set(routed) == set(EXPECTATIONS)
    for name, spec in EXPECTATIONS.items():
        assert routed[name] == set(spec["match"]), name


def test_trail_and_splunk_receive_every_audit_but_noise(simulation):
    trail = sum("all-audits" in t.rules for t in simulation.traces)
    assert trail == 38
    assert simulation.log_events["/aws/events/genesys-audit"] == trail
    assert len(simulation.hec_records) == trail
    assert {r["sourcetype"] for r in simulation.hec_records} == {"genesys:cloud:audit"}


def test_a_catalog_rule_broken_on_purpose_is_caught(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    for part in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        shutil.copy(REPO / part, work / part)
    shutil.copytree(REPO / "modules", work / "modules")
    shutil.copytree(REPO / "examples" / "complete", work / "examples" / "complete")
    shutil.copytree(REPO / "lambda_src", work / "lambda_src", ignore=shutil.ignore_patterns("__pycache__"))
    # The harness plans a copy of the directory's git work tree, so make the copy one.
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    catalog_file = work / "modules" / "audit-rules" / "catalog.json"
    catalog = json.loads(catalog_file.read_text())
    entry = next(e for e in catalog["rules"] if e["key"] == "oauth-client-delete")
    entry["match"]["entity_types"] = ["OAuthclient"]  # a one-letter typo: the rule silently matches nothing
    catalog_file.write_text(json.dumps(catalog))
    broken = simulate(work / "examples" / "complete", EVENTS)
    routed = _routed(broken)
    mismatches = sorted(name for name, spec in EXPECTATIONS.items() if routed[name] != set(spec["match"]))
    assert mismatches == ["01_oauthclient_delete.json", "30_oauthclient_delete_without_clientid.json"]
    # The trail still receives the event: only the detection went silent, which is what the corpus catches.
    assert "all-audits" in routed["01_oauthclient_delete.json"]


def test_webhook_path_goes_through_the_real_ingestion_lambda():
    sim = simulate(REPO / "examples" / "webhook-ingestion", EVENTS)
    by_file: dict[str, list] = {}
    for trace in sim.traces:
        by_file.setdefault(trace.label, []).append(trace)
    # Every audit record is accepted (200), put on the custom bus and routed; the presence topic sample,
    # which is not an audit record, is refused with a 400 and puts nothing.
    assert {t.path for t in by_file["08_user_presence_topic.json"]} == {"webhook (400)"}
    accepted = [t for name, traces in by_file.items() if name != "08_user_presence_topic.json" for t in traces]
    assert {t.path for t in accepted} == {"webhook (200)"}
    assert all(t.bus == "genesys-audit-webhook" for t in accepted)
    # No exclusions in this example: the webhook copy of an OAuth client delete is a detection.
    assert {"all-audits", "oauth-client-delete"} <= set(by_file["36_webhook_path_oauthclient_delete.json"][0].rules)
    assert sim.log_events["/aws/events/genesys-audit"] == sum("all-audits" in t.rules for t in accepted)
