"""What the AWS preflight adds to `genesys-audit plan examples/complete`, measured side by side.

Target: the offline plan of examples/complete with the preflight included stays under 8 s of wall time
(the plan alone is about 6 s on a quiet machine). Each run times the command as users run it, once with
`--no-check` and once with the check (which loads botocore's models and parliament in a background
thread while Terraform plans). Run: `.venv/bin/python bench/bench_check.py`.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("genesys-audit")
RUNS = 3
TARGET_SECONDS = 8.0


def _timed(*extra: str) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [str(CLI), "plan", str(REPO / "examples" / "complete"), *extra], capture_output=True, text=True, check=False
    )
    return time.monotonic() - started, done.stdout


def main() -> int:
    without: list[float] = []
    with_check: list[float] = []
    for run in range(1, RUNS + 1):
        plain, _ = _timed("--no-check")
        checked, out = _timed()
        summary = re.search(r"^(\d+) violation\(s\); .* in (\d+\.\d+) s\.$", out, re.MULTILINE)
        if summary is None:
            print(out[-2000:])
            return 1
        without.append(plain)
        with_check.append(checked)
        print(f"run {run}: plan --no-check {plain:.2f} s, plan with check {checked:.2f} s "
              f"(check section {summary.group(2)} s, {summary.group(1)} violation(s))")
    a, b = statistics.median(without), statistics.median(with_check)
    print(
        f"median {a:.2f} s without, {b:.2f} s with the check: x{b / a:.2f}; target < {TARGET_SECONDS:.0f} s with "
        f"the check: {'met' if b < TARGET_SECONDS else 'MISSED'} ({b / TARGET_SECONDS:.2f} of the budget)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
