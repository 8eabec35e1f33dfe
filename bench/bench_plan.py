"""How long an offline plan takes: the harness fixture, planned several times, step by step.

Target: planning the fixture (custom bus, rule, SQS target with DLQ, queue policy document, Lambda
from archive_file) takes under 10 s on this machine. Run: `.venv/bin/python bench/bench_plan.py`.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from genesys_audit_tools import harness

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "terraform" / "fixtures" / "harness"
RUNS = 3
TARGET_SECONDS = 10.0


def main() -> int:
    totals: list[float] = []
    for run in range(1, RUNS + 1):
        outcome = harness.try_plan(FIXTURE)
        if not outcome.ok:
            print(outcome.output)
            return 1
        steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in outcome.steps.items())
        print(f"run {run}: {outcome.seconds:.2f} s ({steps})")
        totals.append(outcome.seconds)
    median = statistics.median(totals)
    print(
        f"median {median:.2f} s over {RUNS} plans; target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if median < TARGET_SECONDS else 'MISSED'} ({median / TARGET_SECONDS:.2f} of the budget)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
