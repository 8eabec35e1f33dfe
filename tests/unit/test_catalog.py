"""The rule catalog as data: every rule is mapped (ATT&CK, controls), justified and has a runbook, matches
only real Genesys enum values, pages only when it must, and has a fixture that fires it and one that
must not (checked here with the project's pattern engine, without Terraform)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from genesys_audit import eventpattern

REPO = Path(__file__).resolve().parents[2]
CATALOG: list[dict[str, Any]] = json.loads((REPO / "modules/audit-rules/catalog.json").read_text())["rules"]
REFERENCE = REPO / "tests/fixtures/reference"
ENUMS = json.loads((REFERENCE / "audit_topic_enums.json").read_text())
ATTACK = json.loads((REFERENCE / "attack_techniques.json").read_text())["techniques"]
EVENTS = REPO / "tests/fixtures/events"
EXPECTATIONS: dict[str, dict[str, Any]] = json.loads((EVENTS / "expectations.json").read_text())["events"]
SINGLE = [r for r in CATALOG if "threshold" not in r]  # threshold (burst) rules are counted, not paged per event
IDS = [r["key"] for r in CATALOG]

ATTACK_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
PCI_ID = re.compile(r"^\d{1,2}(\.\d{1,2}){1,3}$")  # PCI DSS v4.0 requirement numbers, e.g. 10.2.1.2
SOC2_ID = re.compile(r"^(CC[1-9]|A1|C1|PI1|P[1-8])\.\d{1,2}$")  # 2017 Trust Services Criteria, e.g. CC6.1
ISO_ID = re.compile(r"^A\.([5-8])\.(\d{1,2})$")  # ISO/IEC 27001:2022 Annex A, e.g. A.8.15
ISO_THEME_SIZE = {5: 37, 6: 8, 7: 14, 8: 34}  # controls per Annex A theme (93 in all)
RUNBOOK_LISTS = ("triage", "containment", "evidence", "false_positives")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def test_keys_are_unique_and_fit_the_rule_name():
    assert len(IDS) == len(set(IDS))
    assert all(re.fullmatch(r"[a-z0-9-]{1,41}", k) for k in IDS)  # "<name>-<key>" stays within 64 characters


@pytest.mark.parametrize("rule", CATALOG, ids=IDS)
def test_every_rule_is_mapped_justified_and_has_a_runbook(rule):
    assert rule["runbook_url"] == f"docs/runbooks.md#{rule['key']}"
    assert rule["severity"] in {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
    assert _strings(rule["attack"]) and len(set(rule["attack"])) == len(rule["attack"])
    for technique in rule["attack"]:
        assert ATTACK_ID.match(technique), technique
        assert technique in ATTACK, (
            f"{technique}: add it (with its ATT&CK name) to {REFERENCE / 'attack_techniques.json'}"
        )
    controls = rule["controls"]
    assert set(controls) == {"pci_dss_4", "soc2", "iso27001_2022"}
    assert all(_strings(ids) for ids in controls.values())
    assert all(PCI_ID.match(i) for i in controls["pci_dss_4"]), controls["pci_dss_4"]
    assert all(SOC2_ID.match(i) for i in controls["soc2"]), controls["soc2"]
    for control in controls["iso27001_2022"]:
        found = ISO_ID.match(control)
        assert found and 1 <= int(found.group(2)) <= ISO_THEME_SIZE[int(found.group(1))], control
    assert isinstance(rule["severity_reason"], str) and len(rule["severity_reason"]) >= 20
    runbook = rule["runbook"]
    assert set(runbook) == {"why", *RUNBOOK_LISTS}
    assert isinstance(runbook["why"], str) and runbook["why"].strip()
    assert all(_strings(runbook[k]) for k in RUNBOOK_LISTS), rule["key"]


@pytest.mark.parametrize("rule", CATALOG, ids=IDS)
def test_rules_match_only_values_of_the_genesys_enums(rule):
    match = rule["match"]
    assert set(match) <= {"entity_types", "actions", "properties", "service_names"}
    assert set(match.get("entity_types", [])) <= set(ENUMS["entityType"])
    assert set(match.get("actions", [])) <= set(ENUMS["action"])
    assert set(match.get("service_names", [])) <= set(ENUMS["serviceName"])
    assert any(match.get(k) for k in ("entity_types", "actions", "properties")), "a rule must narrow something"


@pytest.mark.parametrize("rule", SINGLE, ids=[r["key"] for r in SINGLE])
def test_only_critical_and_high_rules_page(rule):
    """Routine admin work (MEDIUM, LOW) is reviewed from the queue; pages are for what must be acted on now."""
    pages = "alert" in rule["destinations"]
    assert pages == (rule["severity"] in {"CRITICAL", "HIGH"}), (rule["severity"], rule["destinations"])
    assert "queue" in rule["destinations"]


# examples/complete's exclusions (the corpus's expectations are written for that example).
EXCLUSIONS = {
    "clientId": {
        "id": [
            {"exists": False},
            {"anything-but": ["d4e5f6a7-4444-4d4d-9e9e-000000000004", "f0f0f0f0-aaaa-4aaa-8aaa-00000000a070"]},
        ]
    },
    "userId": [{"exists": False}, {"anything-but": ["9f9f9f9f-0000-4000-8000-00000000e0e0"]}],
    "remoteIp": [{"exists": False}, {"anything-but": {"prefix": ["10.20."]}}],
}


def _pattern(rule: dict[str, Any]) -> dict[str, Any]:
    """The catalog pattern as modules/audit-rules renders it for examples/complete."""
    match = rule["match"]
    body: dict[str, Any] = {}
    if match.get("entity_types"):
        body["entityType"] = match["entity_types"]
    if match.get("actions"):
        body["action"] = match["actions"]
    if match.get("properties"):
        body["propertyChanges"] = {"property": match["properties"]}
    if match.get("service_names"):
        body["serviceName"] = match["service_names"]
    body.update(EXCLUSIONS)
    return {"detail-type": ["v2.audits.entitytype.{id}.entityid.{id}"], "detail": {"eventBody": body}}


def _event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


@pytest.mark.parametrize("rule", SINGLE, ids=[r["key"] for r in SINGLE])
def test_every_rule_has_a_fixture_that_fires_it_and_a_near_miss_that_does_not(rule):
    compiled = eventpattern.compile(_pattern(rule))
    positives = [n for n, spec in EXPECTATIONS.items() if rule["key"] in spec.get("match", [])]
    assert positives, f"no fixture in {EVENTS} is expected to match {rule['key']}"
    assert all(compiled.matches(_event(n)) for n in positives), positives
    entity_types, actions = set(rule["match"].get("entity_types", [])), set(rule["match"].get("actions", []))
    near_misses = [
        n
        for n, spec in EXPECTATIONS.items()
        if spec.get("exactly")
        and rule["key"] not in spec.get("match", [])
        and "all-audits" in spec.get("match", [])
        and (
            rule["key"] in spec.get("no_match", [])
            or _event(n)["detail"]["eventBody"].get("entityType") in entity_types
            or _event(n)["detail"]["eventBody"].get("action") in actions
        )
    ]
    assert near_misses, f"no near-miss fixture (same entity type or action, or no_match) for {rule['key']}"
    assert not any(compiled.matches(_event(n)) for n in near_misses), near_misses


def test_no_match_expectations_name_catalog_or_example_rules():
    known = set(IDS) | {"all-audits", "flow-publish"}
    named = {k for spec in EXPECTATIONS.values() for k in [*spec.get("match", []), *spec.get("no_match", [])]}
    assert named <= known, named - known
