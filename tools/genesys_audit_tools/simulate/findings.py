"""A finding sink for the simulation (`FINDING_SINK=genesys_audit_tools.simulate.findings:collect`): the
consumer hands each finding to it, as it would to a SIEM forwarder, and the report shows them."""

from __future__ import annotations

from typing import Any

FINDINGS: list[dict[str, Any]] = []
SINK = f"{__name__}:collect"


def collect(finding: dict[str, Any]) -> None:
    """Keep the finding for the report."""
    FINDINGS.append(finding)
