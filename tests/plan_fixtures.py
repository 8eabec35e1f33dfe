"""Plan fixtures: one offline plan per (directory, variables) per test session, shared by many asserts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools import harness

REPO = Path(__file__).resolve().parents[1]

PlanFn = Callable[..., harness.Plan]
TryPlanFn = Callable[..., harness.PlanOutcome]


def _key(path: str | Path, variables: dict[str, Any]) -> tuple[str, str]:
    resolved = Path(path) if Path(path).is_absolute() else REPO / path
    return str(resolved), json.dumps(variables, sort_keys=True)


@pytest.fixture(scope="session")
def tf_try_plan() -> TryPlanFn:
    """`tf_try_plan(path, **variables)` -> PlanOutcome, cached for the session."""
    cache: dict[tuple[str, str], harness.PlanOutcome] = {}

    def run(path: str | Path, **variables: Any) -> harness.PlanOutcome:
        key = _key(path, variables)
        if key not in cache:
            outcome = harness.try_plan(key[0], variables)
            print(
                f"\n[plan] {Path(key[0]).relative_to(REPO) if key[0].startswith(str(REPO)) else key[0]} "
                f"{key[1]}: {'ok' if outcome.ok else 'failed'} in {outcome.seconds:.1f} s "
                f"({', '.join(f'{k} {v:.1f} s' for k, v in outcome.steps.items())})"
            )
            cache[key] = outcome
        return cache[key]

    return run


@pytest.fixture(scope="session")
def tf_plan(tf_try_plan: TryPlanFn) -> PlanFn:
    """`tf_plan(path, **variables)` -> Plan; fails the test with Terraform's output when it does not plan."""

    def run(path: str | Path, **variables: Any) -> harness.Plan:
        outcome = tf_try_plan(path, **variables)
        if not outcome.ok or outcome.plan is None:
            pytest.fail(f"plan of {path} failed:\n{outcome.output}", pytrace=False)
        return outcome.plan

    return run


RefusalsFn = Callable[[str, dict[str, str], dict[str, str]], str]


def flat(output: str) -> str:
    """Terraform's diagnostics without box drawing and line wrapping."""
    return " ".join(output.replace("│", " ").split())


@pytest.fixture
def tf_module_refusals(tf_try_plan: TryPlanFn, tmp_path: Path) -> RefusalsFn:
    """`tf_module_refusals(module, valid, invalid)` plans a root that calls `modules/<module>` (the root
    module itself for ".") once per entry of `invalid` (variable -> HCL value, over the `valid`
    arguments), asserts the plan fails, and returns Terraform's diagnostics as one line, for checking
    each validation's message."""
    import shutil
    import subprocess

    def run(module: str, valid: dict[str, str], invalid: dict[str, str]) -> str:
        root = tmp_path / f"tree{len(list(tmp_path.iterdir()))}"  # one tree per call
        shutil.copytree(REPO / "modules", root / "modules", dirs_exist_ok=True)
        shutil.copy(REPO / "residency.json", root / "residency.json")
        shutil.copytree(REPO / "lambda_src", root / "lambda_src", ignore=shutil.ignore_patterns("__pycache__"))
        for tf in REPO.glob("*.tf") if module == "." else ():
            shutil.copy(tf, root / tf.name)
        source = "./.." if module == "." else f"../modules/{module}"
        calls = []
        for variable, value in invalid.items():
            body = "\n".join(f"  {k} = {v}" for k, v in {**valid, variable: value}.items())
            calls.append(f'module "bad_{variable}" {{\n  source = "{source}"\n{body}\n}}\n')
        (root / "invalid").mkdir()
        (root / "invalid" / "main.tf").write_text("\n".join(calls))
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        outcome = tf_try_plan(root / "invalid")
        assert not outcome.ok, f"{source} accepted every invalid input"
        return flat(outcome.output)

    return run
