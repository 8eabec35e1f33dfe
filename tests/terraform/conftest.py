"""Plan fixtures: one offline plan per (directory, variables) per test session, shared by many asserts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools import harness

REPO = Path(__file__).resolve().parents[2]

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
