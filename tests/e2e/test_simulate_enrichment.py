"""End to end with name enrichment: examples/enrichment planned as applied, built in moto, the alert and
consumer functions reading names from the fake Genesys API on 127.0.0.1 (one user answered too late)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genesys_audit_tools.simulate import report
from genesys_audit_tools.simulate.fake_genesys import SLOW_USER_ID
from genesys_audit_tools.simulate.run import Simulation, simulate

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("simulate")]

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "tests" / "fixtures" / "events"
BUDGET_SECONDS = 1.5  # examples/enrichment's budget_ms


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return simulate(REPO / "examples" / "enrichment", EVENTS)


def test_alerts_name_the_actor_and_a_slow_lookup_still_alerts_on_time(simulation):
    subjects = [a.subject for a in simulation.alerts]
    assert "CRITICAL: OAuthClient [Legacy Reporting Client] Delete by user [Jane Doe]" in subjects
    assert all(len(s) <= 100 and s.isascii() for s in subjects)
    assert {d.outcome for t in simulation.traces for d in t.deliveries} == {"delivered"}
    late = [a for a in simulation.alerts if f"by user [{SLOW_USER_ID}]" in a.subject]
    assert late and all("Names:" in a.message and "unavailable: timed out; ids shown" in a.message for a in late)
    took = {r["subject"]: s for _, s, r in simulation.invocations if r and "subject" in r}
    assert all(took[a.subject] < BUDGET_SECONDS + 1.0 for a in late), took  # the fake answers after 3 s
    assert simulation.chat["slack"] == simulation.chat["teams"] == len(simulation.alerts)
    assert simulation.metrics["genesys-audit-alert"]["AlertNamesUnavailable"] == len(late)


def test_findings_carry_names_from_genesys(simulation):
    by_audit = {f["auditId"]: f for f in simulation.findings}
    moved = by_audit["9e8d7c6b-0005-4f00-8a00-aa0000000005"]  # 05_user_division_move.json
    names = {item["id"]: item.get("name") for item in moved["names"]["resolved"]}
    assert names["2c3d4e5f-9999-4c9c-8d8d-000000000009"] == "Restricted - Finance"
    assert moved["names"]["status"] == "resolved" and moved["names"]["note"] is None


def test_the_report_shows_named_and_timed_out_alerts_and_a_named_finding(simulation):
    text = report.format_text(simulation)
    assert "Names (enrichment from the fake Genesys API at http://127.0.0.1:" in text
    assert "Who: user a1b2c3d4-1111-4a4a-8b8b-000000000001: Jane Doe <jane.doe@example.com>" in text
    assert "unavailable: timed out; ids shown" in text and "sent anyway: the invocation took" in text
    assert "  finding  User Update" in text and "division Restricted - Finance" in text
    assert "Names (enrichment" in report.format_markdown(simulation)
