"""1,000,000 audits against the catalog rules in at most 20 s on one core, JSON parsing included.

Run: `.venv/bin/python bench/bench_matcher.py [PLAN.json] [--events N]`. The rules are the ones
Terraform renders for examples/complete (a saved plan JSON as the first argument, else planned
offline once and cached under the harness cache directory, keyed by the Terraform sources). The
events are generated from the fixture corpus (tests/fixtures/events): each a fixture with new ids,
actors, addresses, times and sometimes another action, about a third of them UserPresence noise;
they are serialised to JSON lines in memory first, and each timed loop parses every line with
`json.loads` before matching it. Both the compiled matcher (genesys_audit_tools.matcher) and the
per-rule engine (each pattern compiled once, every rule tried) are timed in this run, on one core
(CPU time of this process); the per-rule engine on the first 50,000 audits by default (`--sample 0`
checks all of them, about a minute more). The matched rules must be identical on every audit checked,
and the compiled matcher's match counts are printed per rule. Exit 1 when they differ or the target
is missed.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from genesys_audit import eventpattern
from genesys_audit_tools.matcher import RuleSet

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "events"
EXAMPLE = REPO / "examples" / "complete"
TARGET_SECONDS = 20.0
TARGET_EVENTS = 1_000_000
SAMPLE = 50_000

USERS = [
    "a1b2c3d4-1111-4a4a-8b8b-000000000001",
    "b2c3d4e5-2222-4b4b-8c8c-000000000002",
    "9f9f9f9f-0000-4000-8000-00000000e0e0",  # excluded in examples/complete
    "c0ffee00-3333-4c4c-8d8d-000000000003",
]
CLIENTS = ["c3d4e5f6-3333-4c4c-8d8d-000000000003", "d4e5f6a7-4444-4d4d-9e9e-000000000004"]
ADDRESSES = ["198.51.100.23", "10.20.1.2", "203.0.113.9", "2001:db8::7"]
EVERYDAY_ACTIONS = ["Update", "Read", "View", "Create", "Delete", "Export"]


def plan_rules(saved: str | None) -> list[tuple[str, dict[str, Any]]]:
    """The catalog rules of examples/complete: from a saved plan, or one offline plan cached on disk."""
    from genesys_audit_tools import harness
    from genesys_audit_tools.rules import rules_from_plan

    if saved:
        raw = json.loads(Path(saved).read_text())
    else:
        digest = hashlib.sha256()
        for path in sorted([*EXAMPLE.rglob("*.tf"), *(REPO / "modules").rglob("*.tf")]):
            digest.update(path.as_posix().encode() + path.read_bytes())
        cache = harness.cache_dir() / f"bench-matcher-plan-{digest.hexdigest()[:16]}.json"
        if cache.exists():
            raw = json.loads(cache.read_text())
        else:
            raw = harness.plan(EXAMPLE).raw
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(raw))
    return [(rule.key, rule.event_pattern) for rule in rules_from_plan(raw)]


def make_lines(n: int) -> list[str]:
    """`n` varied audits from the fixture corpus, as compact JSON lines."""
    templates = {p.name: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("[0-9]*.json"))}
    noise = [templates.pop("09_userpresence_audit.json")]
    audits = list(templates.values())
    rng = random.Random(16)
    lines: list[str] = []
    for i in range(n):
        event = copy.deepcopy(rng.choice(noise if rng.random() < 0.3 else audits))
        event["id"] = f"eb-{i:08d}"
        event["time"] = f"2025-06-{1 + i % 30:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        body = (event.get("detail") or {}).get("eventBody")
        if isinstance(body, dict):
            body["id"] = f"audit-{i:08d}"
            body["eventTime"] = event["time"]
            if "userId" in body or rng.random() < 0.2:
                body["userId"] = rng.choice(USERS)
            if rng.random() < 0.6:
                body["remoteIp"] = [rng.choice(ADDRESSES)]
            if isinstance(body.get("clientId"), dict) and rng.random() < 0.5:
                body["clientId"] = {"id": rng.choice(CLIENTS)}
            if rng.random() < 0.35:
                body["action"] = rng.choice(EVERYDAY_ACTIONS)
            if isinstance(body.get("entity"), dict):
                body["entity"]["id"] = f"entity-{rng.randrange(5000)}"
        lines.append(json.dumps(event, separators=(",", ":")))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", help="a saved `terraform show -json` of examples/complete")
    parser.add_argument("--events", type=int, default=TARGET_EVENTS)
    parser.add_argument(
        "--sample", type=int, default=SAMPLE, help=f"audits the per-rule engine checks (default {SAMPLE:,}; 0 = all)"
    )
    args = parser.parse_args()

    rules = plan_rules(args.plan)
    lines = make_lines(args.events)
    print(
        f"{len(rules)} rules x {len(lines):,} audits (JSON lines, {sum(map(len, lines)) / len(lines):.0f} bytes each)"
    )

    ruleset = RuleSet(rules)
    counts = [0] * len(rules)
    start = time.process_time()
    loads = json.loads
    matching = ruleset.matching_indices
    for line in lines:
        for i in matching(loads(line)):
            counts[i] += 1
    compiled_seconds = time.process_time() - start
    per_second = len(lines) / compiled_seconds
    print(f"compiled matcher:  {compiled_seconds:6.2f} s CPU, {per_second:>10,.0f} audits/s (json.loads included)")

    sample = lines[: args.sample or len(lines)]
    engine = [eventpattern.compile(pattern) for _, pattern in rules]
    start = time.process_time()
    per_rule = [[i for i, pattern in enumerate(engine) if pattern.matches(e)] for e in map(loads, sample)]
    engine_seconds = time.process_time() - start
    engine_per_second = len(sample) / engine_seconds
    print(
        f"per-rule engine:   {engine_seconds:6.2f} s CPU, {engine_per_second:>10,.0f} audits/s"
        f" (json.loads included, {len(sample):,} audits)"
    )
    compiled = [matching(e) for e in map(loads, sample)]
    differing = [n for n, (a, b) in enumerate(zip(compiled, per_rule, strict=True)) if a != b]

    projected = TARGET_EVENTS / per_second
    print(f"\nratio compiled / per-rule engine: {per_second / engine_per_second:.1f}x")
    print(
        f"1,000,000 audits: {projected:.1f} s projected (target <= {TARGET_SECONDS:.0f} s): "
        + ("met" if projected <= TARGET_SECONDS else "MISSED")
    )
    print(
        f"identical matches on {len(sample) - len(differing):,} of {len(sample):,} audits checked"
        + (f"; FIRST DIFFERENCE at line {differing[0]}" if differing else "")
    )
    print("\nmatches per rule:")
    for (key, _), count in sorted(zip(rules, counts, strict=True), key=lambda kc: -kc[1]):
        print(f"  {count:>9,}  {key}")
    return 1 if differing or projected > TARGET_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
