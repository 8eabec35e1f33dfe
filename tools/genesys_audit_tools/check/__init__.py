"""`genesys-audit check`: what AWS would refuse or break at apply, read from a rendered plan.

The offline harness proves that Terraform accepts a configuration against the provider schema. AWS
enforces much more, and this package checks what can be known before any call is made:

- quotas on policy documents, event patterns and input transformers (`quotas`);
- names and formats against the AWS API models that botocore ships (`shapes`);
- IAM policy documents through the `parliament` linter (`iamlint`);
- customer managed KMS keys: every service that writes or reads an encrypted resource is granted
  the actions AWS documents, with the right conditions (`kms`);
- ordering: a target, permission or resource policy that names a resource created in the same plan
  references it, so Terraform makes the calls in order (`ordering`).

`run(plan)` returns a `Report`; every violation names the resource, the limit and the measured value.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from genesys_audit_tools.check.model import Report, Violation
from genesys_audit_tools.harness import Plan

__all__ = ["CHECKS", "Report", "Violation", "format_report", "run"]


def _checks() -> dict[str, Callable[[Plan, Report, Path | None], None]]:
    from genesys_audit_tools.check import iamlint, kms, ordering, quotas, shapes

    return {
        "quotas": quotas.check,
        "api-shapes": shapes.check,
        "iam-lint": iamlint.check,
        "kms": kms.check,
        "ordering": ordering.check,
    }


CHECKS = ("quotas", "api-shapes", "iam-lint", "kms", "ordering")


@dataclass
class _Timer:
    started: float = field(default_factory=time.monotonic)

    def seconds(self) -> float:
        return time.monotonic() - self.started


def warm() -> None:
    """Import what the checks load lazily (botocore's models, parliament). `genesys-audit plan` calls it in
    a background thread while Terraform plans, so the preflight adds little to the wall time."""
    from genesys_audit_tools.check import iamlint, shapes

    shapes.member_shape("events", "PutRule", "Name")
    iamlint.warm()


def run(plan: Plan, source: str | Path | None = None, only: tuple[str, ...] = CHECKS) -> Report:
    """Run the checks named in `only` over `plan`. `source` is the planned directory: with it the ordering
    and KMS checks follow values through the modules' locals (the plan JSON does not describe them)."""
    timer = _Timer()
    report = Report()
    checks = _checks()
    for name in only:
        checks[name](plan, report, Path(source) if source else None)
    if source is None and ("kms" in only or "ordering" in only):
        report.notes.append(
            "no source directory given: values that flow through module locals were not followed, so the KMS "
            "check skips resources whose key comes through a local and ordering may report such references "
            "(give --source DIR)"
        )
    report.seconds = timer.seconds()
    return report


_KEY = re.compile(r'\["([^"]*)"\]')


def format_report(report: Report) -> str:
    """The report as text: one line per violation (the instances of one for_each that break the same way
    on one line, with their keys), then the notes and a summary line."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for violation in report.violations:
        keys = _KEY.findall(violation.address)
        shape = (violation.check, _KEY.sub("[*]", violation.address), _KEY.sub("[*]", violation.message))
        groups.setdefault(shape, []).append(keys[-1] if keys else "")
    lines = []
    for (name, address, message), keys in groups.items():
        if len(keys) == 1:
            original = next(v for v in report.violations if v.check == name and _KEY.sub("[*]", v.address) == address
                            and _KEY.sub("[*]", v.message) == message)
            lines.append(f"  FAIL [{name}] {original.address}: {original.message}")
        else:
            lines.append(f"  FAIL [{name}] {address}: {message} ({len(keys)} instances: {', '.join(keys)})")
    for note in report.notes:
        lines.append(f"  note: {note}")
    counted = ", ".join(f"{n} {what}" for what, n in sorted(report.checked.items()))
    lines.append(
        f"{len(report.violations)} violation(s); checked {counted or 'nothing'} in {report.seconds:.2f} s."
    )
    return "\n".join(lines) + "\n"
