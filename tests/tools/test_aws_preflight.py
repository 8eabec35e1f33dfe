"""`genesys-audit check` over real offline plans: every example, the harness fixture and a large
configuration must plan within every AWS quota and pass every preflight check. `make test` runs these
(pytest), so a configuration AWS would refuse fails CI before anyone applies it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from genesys_audit_tools import check, cli

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "main.tf").exists())
FIXTURES = REPO / "tests" / "terraform" / "fixtures"
LARGE = FIXTURES / "large_config"
# Module fixtures, each in the xdist group of the tests that already plan it (so the plan is shared).
MODULE_FIXTURES = [
    pytest.param(name, marks=pytest.mark.xdist_group("terraform-examples" if name == "genesys_backfill"
                                                     else "terraform-modules"))
    for name in sorted(p.name for p in FIXTURES.iterdir() if (p / "main.tf").exists())
    if name not in ("harness", "large_config")
]


def _violations(report: check.Report) -> str:
    return "\n".join(str(v) for v in report.violations)


def test_every_example_is_listed():
    assert {"complete", "minimal", "multi-region", "splunk", "webhook-ingestion", "genesys-integration"} <= set(
        EXAMPLES
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_passes_the_aws_preflight(tf_plan, example):
    plan = tf_plan(REPO / "examples" / example)
    report = check.run(plan, REPO / "examples" / example)
    assert report.checked["quota measurements"] > 0 and report.checked["API model values"] > 0
    assert report.ok, f"{len(report.violations)} violation(s) in examples/{example}:\n{_violations(report)}"


@pytest.mark.parametrize("fixture", MODULE_FIXTURES)
def test_every_module_fixture_passes_the_aws_preflight(tf_plan, fixture):
    report = check.run(tf_plan(FIXTURES / fixture), FIXTURES / fixture)
    assert report.ok, f"{len(report.violations)} violation(s) in fixtures/{fixture}:\n{_violations(report)}"


def test_the_harness_fixture_passes_the_aws_preflight(tf_plan):
    fixture = REPO / "tests" / "terraform" / "fixtures" / "harness"
    report = check.run(tf_plan(fixture), fixture)
    assert report.ok, _violations(report)


def test_large_configuration_plans_within_every_quota_or_is_refused_at_the_root(tf_try_plan):
    """A 20-character name, a long source suffix, 12 custom rules to alert and queue, 12 excluded clients,
    every optional path on: AWS would accept every document, or the root module refuses the input the
    user typed with the limit in its message (not a submodule's rule about a derived name)."""
    outcome = tf_try_plan(LARGE)
    if not outcome.ok or outcome.plan is None:
        diagnostics = " ".join(outcome.output.replace("│", " ").split())
        assert 'in module "genesys_audit"' in diagnostics and re.search(r"\b\d{2,}\b", diagnostics), (
            f"refused, but not by the root module with the limit named:\n{outcome.output}"
        )
        return
    report = check.run(outcome.plan, LARGE)
    assert report.ok, f"{len(report.violations)} violation(s):\n{_violations(report)}"


def test_plan_prints_the_preflight_as_its_own_section_with_its_time(capsys):
    code = cli.main(["plan", str(REPO / "tests" / "terraform" / "fixtures" / "harness")])
    out = capsys.readouterr().out
    assert code == 0
    section = out[out.index("== AWS preflight: genesys-audit check ==") :]
    assert re.search(r"0 violation\(s\); checked .* in \d+\.\d\d s\.", section), section


def test_check_dir_plans_then_checks_and_says_when_a_directory_does_not_plan(capsys, tmp_path):
    fixture = REPO / "tests" / "terraform" / "fixtures" / "harness"
    assert cli.main(["check", "--dir", str(fixture), "--var", "region=eu-west-2"]) == 0
    assert re.search(r"^0 violation\(s\); checked \d+ API model values", capsys.readouterr().out, re.MULTILINE)
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  nme = "x"\n}\n')
    assert cli.main(["check", "--dir", str(tmp_path)]) == 1
    assert f"genesys-audit check: {tmp_path} did not plan." in capsys.readouterr().err
