"""How long an offline plan of `examples/complete` takes, and what the stand-in's set-up costs.

Target: the median of 3 plans (init + plan + show -json) of examples/complete is at most 4 s with the
default set-up (the bundled trimmed schema, one stand-in per process reattached by every Terraform
command). Measured side by side, interleaved, in one run so that the machine's load hits every variant
alike:

- `default`: bundled trimmed schema, reattached stand-in, Terraform's GOGC set by the harness
  (`terraform.GOGC`);
- `gogc100`: the same with Go's default collector target (GOGC=100);
- `started`: bundled trimmed schema, Terraform starting a stand-in per provider per command;
- `full`   (with `--full-schema FILE`, a complete `terraform providers schema -json` document):
  the full schema, Terraform-started stand-ins, i.e. the set-up before the trimmed schema and reattach.

Run: `.venv/bin/python bench/bench_plan.py [--full-schema providers-schema.json.gz] [--runs 3]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from genesys_audit_tools import envvars, harness
from genesys_audit_tools.standin import schemas

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "complete"
TARGET_SECONDS = 4.0



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full-schema", metavar="FILE", help="a full provider schema document for the `full` variant")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    bundled = {schemas.SCHEMA_ENV: None, schemas.SHARED_ENV: None, "TF_PROVIDERS": "standin", "GOGC": None}
    variants: dict[str, dict[str, str | None]] = {
        "default": {**bundled, harness.REATTACH_ENV: "1"},
        "gogc100": {**bundled, harness.REATTACH_ENV: "1", "GOGC": "100"},
        "started": {**bundled, harness.REATTACH_ENV: "0"},
    }
    if args.full_schema:
        variants["full"] = {**bundled, schemas.SCHEMA_ENV: args.full_schema, harness.REATTACH_ENV: "0"}

    # One warm-up plan per variant: the serialized-schema cache and the stand-in process are set up
    # once per schema and process, not per plan.
    totals: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(args.runs + 1):
        for name, env in variants.items():
            with envvars.patched(env):
                outcome = harness.try_plan(EXAMPLE)
            if not outcome.ok:
                print(outcome.output)
                return 1
            if run == 0:
                continue
            steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in outcome.steps.items())
            print(f"run {run} {name:8} {outcome.seconds:5.2f} s ({steps})", flush=True)
            totals[name].append(outcome.seconds)

    medians = {name: statistics.median(values) for name, values in totals.items()}
    for name, median in medians.items():
        ratio = ", ".join(f"{median / other:.2f}x {o}" for o, other in medians.items() if o != name)
        print(f"median {name:8} {median:5.2f} s over {args.runs} plans ({ratio})")
    default = medians["default"]
    print(
        f"examples/complete: median {default:.2f} s; target <= {TARGET_SECONDS:.0f} s: "
        f"{'met' if default <= TARGET_SECONDS else 'MISSED'} ({default / TARGET_SECONDS:.2f} of the budget)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
