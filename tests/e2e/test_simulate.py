"""End to end: the examples planned as applied, built in moto, and the fixture corpus replayed.

Covered here: routing by the rendered rules, the trail, Splunk HEC, the alert Lambda (subjects, SNS,
Slack/Teams/PagerDuty on loopback receivers), the queue consumer, empty dead-letter queues, duplicate
deliveries, the webhook path through the real ingestion Lambda, and a catalog rule broken on purpose.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from genesys_audit_tools.simulate.run import Simulation, simulate

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("simulate")]

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "tests" / "fixtures" / "events"
EXPECTATIONS = json.loads((EVENTS / "expectations.json").read_text())["events"]
CATALOG = json.loads((REPO / "modules" / "audit-rules" / "catalog.json").read_text())["rules"]
# examples/complete: catalog destinations, plus its custom rule flow-publish (queue only).
ALERTING = {e["key"] for e in CATALOG if "alert" in e["destinations"]}
QUEUED = {e["key"] for e in CATALOG if "queue" in e["destinations"]} | {"flow-publish"}
WATCHED = {"divisionId", "scopes", "secret", "permissionPolicies"}  # modules/queue-consumer default


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
    assert trail == 82
    assert simulation.log_events["/aws/events/genesys-audit"] == trail
    assert len(simulation.hec_records) == trail
    assert {r["sourcetype"] for r in simulation.hec_records} == {"genesys:cloud:audit"}


def _body(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())["detail"]["eventBody"]


def test_every_delivery_succeeded_and_every_dead_letter_queue_is_empty(simulation):
    assert {d.outcome for t in simulation.traces for d in t.deliveries} == {"delivered"}
    assert simulation.dead_letters and all(msgs == [] for msgs in simulation.dead_letters.values())


def test_one_alert_per_alerting_event_with_its_subject_on_every_channel(simulation):
    alerting = sorted(name for name, spec in EXPECTATIONS.items() if ALERTING & set(spec["match"]))
    assert len(alerting) == 36
    subjects = [a.subject for a in simulation.alerts]
    assert len(subjects) == len(alerting)
    assert all(len(s) <= 100 and s.isascii() for s in subjects)
    assert "CRITICAL: OAuthClient [Legacy Reporting Cl...] Delete by user [a1b2c3d4-1111-4a4a-8b8b-000000000001]" in (
        subjects
    )
    assert "HIGH: Webhook [exfil] Create by user [a1b2c3d4-1111-4a4a-8b8b-000000000001]" in subjects
    assert "CRITICAL: IdentityProvider [Okta] Update by user [a1b2c3d4-1111-4a4a-8b8b-000000000001]" in subjects
    assert not any("WFM Export Integration" in s for s in subjects)  # our automation's client is excluded
    assert simulation.chat == {"slack": len(alerting), "teams": len(alerting), "pagerduty": len(alerting)}
    pages = [body for channel, body in simulation.chat_messages if channel == "pagerduty"]
    expected_keys = [  # audit id + rule: a second rule matching the same record pages on its own
        f"{_body(name)['id']}/{rule}" for name in alerting for rule in ALERTING & set(EXPECTATIONS[name]["match"])
    ]
    assert sorted(p["dedup_key"] for p in pages) == sorted(expected_keys)
    assert simulation.metrics["genesys-audit-alert"] == {"AlertsSent": len(alerting)}


def test_the_consumer_takes_every_queued_detection_once(simulation):
    queued = [name for name, spec in EXPECTATIONS.items() if QUEUED & set(spec["match"])]
    assert len(queued) == 50
    # One message per matching rule: the two flow publishes match architect-flow-change and the example's
    # custom flow-publish, so they are queued twice and the consumer keeps one finding per audit record.
    messages = sum(len(QUEUED & set(EXPECTATIONS[name]["match"])) for name in queued)
    assert simulation.delivered["sqs:genesys-audit-detections"] == messages == 52
    assert simulation.consumers == [
        f"genesys-audit-consumer consumed {messages} message(s) from genesys-audit-detections; 0 failed attempt(s)"
    ]
    # Properties whose new values were sent (or, like `secret`, that changed without values) and are watched.
    watched = sorted(
        name for name in queued if {c.get("property") for c in _body(name).get("propertyChanges") or []} & WATCHED
    )
    assert watched == [
        "01_oauthclient_delete.json",
        "02_oauthclient_update_secret.json",
        "05_user_division_move.json",
        "10_oauthclient_create.json",
        "18_role_create.json",
    ]
    # No fixture is a no-op change, so every queued detection is a finding.
    assert simulation.metrics["genesys-audit-consumer"] == {
        "ConsumerFindings": len(queued),
        "ConsumerWatchedChanges": len(watched),
        "ConsumerDuplicatesSkipped": messages - len(queued),
    }


def test_duplicate_deliveries_alert_once_and_reach_the_siem_once(tmp_path):
    original = json.loads((EVENTS / "01_oauthclient_delete.json").read_text())
    for n in (1, 2, 3):  # Genesys retried: three envelopes around the same audit record
        (tmp_path / f"01_copy_{n}.json").write_text(json.dumps(original | {"id": f"eventbridge-id-{n}"}))
    sim = simulate(REPO / "examples" / "complete", tmp_path)
    assert [len(t.deliveries) for t in sim.traces] == [4, 4, 4]  # EventBridge delivers each copy
    assert len(sim.alerts) == 1 and sim.chat == {"slack": 1, "teams": 1, "pagerduty": 1}
    assert sim.metrics["genesys-audit-alert"] == {"AlertsSent": 1, "AlertDuplicatesSuppressed": 2}
    assert sim.metrics["genesys-audit-consumer"] == {
        "ConsumerFindings": 1,
        "ConsumerWatchedChanges": 1,
        "ConsumerDuplicatesSkipped": 2,
    }
    assert sim.log_events["/aws/events/genesys-audit"] == 3  # the trail keeps every delivery, as received


def test_a_catalog_rule_broken_on_purpose_is_caught(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    for part in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "residency.json"):
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


def test_terminal_and_markdown_reports_show_the_same_outcome(simulation):
    from genesys_audit_tools.simulate import report

    text, markdown = report.format_text(simulation), report.format_markdown(simulation)
    for needle in (
        # 252 to the trail, Splunk, queue and alert + 6 counted by the threshold rules (events 03, 04, 13, 14, 34, 58)
        "Deliveries: 258 delivered, 0 function errors, 0 failed.",
        "Alerts published: 36; chat/paging requests: pagerduty 36, slack 36, teams 36; Splunk HEC events: 82.",
        "AlertsSent 36",
        "ConsumerDuplicatesSkipped 2, ConsumerFindings 50, ConsumerWatchedChanges 5",
        "CRITICAL: OAuthClient [Legacy Reporting Cl...] Delete by user [a1b2c3d4-1111-4a4a-8b8b-000000000001]",
    ):
        assert needle in text and needle in markdown, needle
    assert "| `genesys-audit-alert-dlq` | 0 |" in markdown


def test_burst_fixtures_alert_once_naming_who_count_and_window_and_the_rest_stay_below():
    """tests/fixtures/bursts: 12 failed logins for one user (alerts once, at the 10th), 20 from one address
    over 20 users, 3 user deactivations and 3 recording downloads (all below their thresholds)."""
    bursts = REPO / "tests" / "fixtures" / "bursts"
    sim = simulate(REPO / "examples" / "complete", bursts)
    assert len(sim.traces) == 38
    threshold = [d for t in sim.traces for d in t.deliveries if d.target == "lambda:genesys-audit-threshold"]
    assert len(threshold) == 12 * 2 + 20 * 2 + 3 + 3  # failed logins feed the per-user and per-IP rules
    assert {d.outcome for d in threshold} == {"delivered"}
    (alert,) = sim.alerts
    assert alert.subject == (
        "HIGH: Failed logins burst for one user: 10 in 10 min by user b2c3d4e5-2222-4b4b-9c9c-000000000d01"
    )
    assert "10 matching events (threshold 10 per user in 10 min)" in alert.message
    assert "2025-06-10T15:00Z to 2025-06-10T15:10Z (fixed 10-minute window, UTC)" in alert.message
    assert sim.metrics["genesys-audit-threshold"] == {"ThresholdEventsCounted": 70, "ThresholdAlertsSent": 1}
    assert all(msgs == [] for msgs in sim.dead_letters.values())
    from genesys_audit_tools.simulate import report

    text = report.format_text(sim)
    assert "Threshold (burst) alerts:" in text and "Window: 2025-06-10T15:00Z to 2025-06-10T15:10Z" in text
