"""What `genesys-audit check` adds to `genesys-audit plan examples/complete`, measured side by side.

Target: the offline plan of examples/complete with the preflight included stays under 8 s (the plan
alone is about 6 s on a quiet machine). Each run plans once, then runs the check in a fresh interpreter
state as `genesys-audit plan` does (botocore models and parliament load on first use, inside the
measured time). Run: `.venv/bin/python bench/bench_check.py`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from genesys_audit_tools import harness

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "complete"
RUNS = 3
TARGET_SECONDS = 8.0

# The check in a fresh interpreter, so that model and linter loading is counted as in `genesys-audit plan`.
CHILD = """
import json, sys, time
from genesys_audit_tools.harness import Plan
started = time.monotonic()
from genesys_audit_tools import check
plan = Plan(json.load(open(sys.argv[1])))
report = check.run(plan, sys.argv[2])
print(f"{time.monotonic() - started:.3f} {len(report.violations)}")
"""


def main() -> int:
    plans: list[float] = []
    checks: list[float] = []
    work = REPO / "build"
    work.mkdir(exist_ok=True)
    plan_file = work / "bench-check-plan.json"
    for run in range(1, RUNS + 1):
        outcome = harness.try_plan(EXAMPLE)
        if not outcome.ok or outcome.plan is None:
            print(outcome.output)
            return 1
        plan_file.write_text(json.dumps(outcome.plan.raw))
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(plan_file), str(EXAMPLE)], capture_output=True, text=True, check=True
        )
        seconds, violations = child.stdout.split()
        plans.append(outcome.seconds)
        checks.append(float(seconds))
        print(f"run {run}: plan {outcome.seconds:.2f} s, check {float(seconds):.2f} s ({violations} violation(s))")
    plan_s, check_s = statistics.median(plans), statistics.median(checks)
    total = plan_s + check_s
    print(
        f"median plan {plan_s:.2f} s + check {check_s:.2f} s = {total:.2f} s; the check adds "
        f"{check_s / plan_s:.0%} to the plan; target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if total < TARGET_SECONDS else 'MISSED'} ({total / TARGET_SECONDS:.2f} of the budget)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
