"""`genesys-audit rules test|lint`: prove offline, from Terraform's own rendering, what each rule catches.

Rules are read from a plan (`--plan PLAN.json`, a saved `terraform show -json`, or `--dir DIR`,
planned with the offline harness): every `aws_cloudwatch_event_rule` with an `event_pattern`. A
rule's catalog key and severity come from its tags `genesys-audit:rule` and
`genesys-audit:severity` (set by `modules/audit-rules`), its title from its description; other
rules fall back to their `for_each` key or name and carry no severity. Events come from a directory
of JSON files (one event or a list per file) or a JSONL file; an `expectations.json` beside them
says which rules each event must (or must not) match.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from genesys_audit.record import FIELD_NAMES, REST_ONLY, REST_RENAMED

TAG_KEY = "genesys-audit:rule"
TAG_SEVERITY = "genesys-audit:severity"
EXPECTATIONS_FILE = "expectations.json"
AUDIT_DETAIL_TYPE = "v2.audits.entitytype.{id}.entityid.{id}"
# Fields of the audit record (and the REST API's names for them): under `detail` they are a trap (the record is
# `detail.eventBody`).
_RECORD_FIELDS = frozenset((*FIELD_NAMES, *REST_RENAMED, *REST_ONLY))


def _engine() -> ModuleType:
    """The project's EventBridge pattern engine (imported on use: the CLI's other commands do not need it)."""
    from genesys_audit import eventpattern

    return eventpattern


class RulesError(RuntimeError):
    """The rules or events could not be read."""


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule as Terraform renders it."""

    key: str
    address: str
    name: str | None
    severity: str | None
    title: str | None
    event_pattern: dict[str, Any]
    event_bus_name: str | None
    region: str | None
    arn: str | None = None  # known in an "as applied" plan (the simulator's)
    enabled: bool = True

    @property
    def bus(self) -> str:
        """The bus the rule is on (`default` when the plan names none)."""
        return self.event_bus_name or "default"

    def as_json(self) -> dict[str, Any]:
        """The `--format json` view."""
        return {
            "key": self.key,
            "severity": self.severity,
            "title": self.title,
            "event_pattern": self.event_pattern,
        }


@dataclass(frozen=True)
class Event:
    """One event of the corpus."""

    id: str
    file: str
    body: dict[str, Any]


@dataclass
class Expectation:
    """What one event must and must not match; `exactly` pins the whole set."""

    match: set[str] = field(default_factory=set)
    no_match: set[str] = field(default_factory=set)
    exactly: bool = False


# -- reading ---------------------------------------------------------------------------------------


def rule_key(values: Mapping[str, Any], index: Any, address: str) -> str:
    """A rule's key: its `genesys-audit:rule` tag, else its for_each key, else its name."""
    tags = values.get("tags") or {}
    return str(tags.get(TAG_KEY) or (index if isinstance(index, str) else None) or values.get("name") or address)


def rules_from_plan(raw: Mapping[str, Any]) -> list[Rule]:
    """Every event rule with a pattern in a `terraform show -json` plan."""
    from genesys_audit_tools.harness import Plan

    rules: list[Rule] = []
    unknown: list[str] = []
    for resource in Plan(dict(raw)).resources("aws_cloudwatch_event_rule"):
        values = resource.values
        pattern = values.get("event_pattern")
        if pattern is None:
            if values.get("schedule_expression") is None:
                unknown.append(resource.address)
            continue
        rules.append(
            Rule(
                key=rule_key(values, resource.index, resource.address),
                address=resource.address,
                name=values.get("name"),
                severity=(values.get("tags") or {}).get(TAG_SEVERITY),
                title=values.get("description"),
                event_pattern=json.loads(pattern),
                event_bus_name=values.get("event_bus_name"),
                region=values.get("region"),
                arn=values.get("arn"),
                enabled=(values.get("state") or "ENABLED") == "ENABLED",
            )
        )
    if unknown:
        raise RulesError(f"event_pattern is unknown at plan time for: {', '.join(unknown)}")
    keys = [r.key for r in rules]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        # Multi-region plans render the same catalog key once per region: qualify them.
        rules = [
            Rule(**{**r.__dict__, "key": f"{r.key}@{r.region}"}) if r.key in duplicates else r for r in rules
        ]
    return rules


def load_plan(
    plan_file: str | None, directory: str | None, variables: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The plan JSON from a file, or by planning a directory offline."""
    if plan_file:
        try:
            raw: dict[str, Any] = json.loads(Path(plan_file).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise RulesError(f"cannot read plan JSON {plan_file}: {exc}") from exc
        return raw
    if directory:
        from genesys_audit_tools import harness

        outcome = harness.try_plan(directory, variables)
        if not outcome.ok or outcome.plan is None:
            raise RulesError(f"{directory} did not plan:\n{outcome.output}")
        return outcome.plan.raw
    raise RulesError("give --plan PLAN.json or --dir DIR")


def _event_id(body: Mapping[str, Any], fallback: str) -> str:
    detail = body.get("detail")
    if isinstance(detail, dict):
        record = detail.get("eventBody")
        if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"]:
            return str(record["id"])
    return fallback


def load_events(path: str | Path) -> list[Event]:
    """Events from a directory of JSON files or from a JSONL file."""
    source = Path(path)
    events: list[Event] = []
    if source.is_dir():
        files = sorted(p for p in source.rglob("*.json") if p.name != EXPECTATIONS_FILE)
        for file in files:
            relative = file.relative_to(source).as_posix()
            try:
                loaded = json.loads(file.read_text())
            except json.JSONDecodeError as exc:
                raise RulesError(f"{file}: not valid JSON: {exc}") from exc
            items = loaded if isinstance(loaded, list) else [loaded]
            for i, item in enumerate(items):
                fallback = relative if len(items) == 1 else f"{relative}#{i}"
                events.append(Event(_event_id(item, fallback), relative, item))
    elif source.is_file():
        for number, line in enumerate(source.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RulesError(f"{source}:{number}: not valid JSON: {exc}") from exc
            events.append(Event(_event_id(item, f"{source.name}:{number}"), f"{source.name}:{number}", item))
    else:
        raise RulesError(f"--events {source} is neither a directory nor a file")
    if not events:
        raise RulesError(f"no events found in {source}")
    return events


def load_corpus(paths: str | Path | Sequence[str | Path]) -> list[Event]:
    """The events of one or more directories or JSONL files, in the order given."""
    sources = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return [event for source in sources for event in load_events(source)]


def load_expectations(path: Path | None) -> dict[str, Expectation]:
    """`{"events": {"<file or id>": {"match": [...], "no_match": [...], "exactly": bool}}}`."""
    if path is None or not path.exists():
        return {}
    raw = json.loads(path.read_text())
    expectations: dict[str, Expectation] = {}
    for name, spec in (raw.get("events") or {}).items():
        unknown = set(spec) - {"match", "no_match", "exactly", "why"}
        if unknown:
            raise RulesError(
                f"{path}: {name}: unknown keys {sorted(unknown)} (allowed: match, no_match, exactly, why)"
            )
        expectations[name] = Expectation(
            set(spec.get("match", [])), set(spec.get("no_match", [])), bool(spec.get("exactly", False))
        )
    return expectations


# -- testing ---------------------------------------------------------------------------------------


@dataclass
class Report:
    """Which rules each event matched, and how that compares with the expectations."""

    rules: list[Rule]
    events: list[Event]
    matches: dict[str, list[str]]
    failures: list[str]

    def unmatched_rules(self) -> list[Rule]:
        """Rules that matched no event of the corpus."""
        hit = {key for keys in self.matches.values() for key in keys}
        return [r for r in self.rules if r.key not in hit]

    def count(self, rule: Rule) -> int:
        """Events matched by one rule."""
        return sum(rule.key in keys for keys in self.matches.values())


def evaluate(rules: list[Rule], events: list[Event], expectations: Mapping[str, Expectation]) -> Report:
    """Run every rule over every event (the rule set compiled into one matcher) and check the expectations."""
    from genesys_audit_tools.matcher import RuleSet

    ruleset = RuleSet((rule.key, rule.event_pattern) for rule in rules)
    matches: dict[str, list[str]] = {}
    for event in events:
        matches[event.id] = ruleset.matching(event.body)
    known = {r.key for r in rules}
    failures: list[str] = []
    by_name = {e.file: e for e in events} | {e.id: e for e in events}
    for name, expectation in sorted(expectations.items()):
        expected_event = by_name.get(name)
        if expected_event is None:
            failures.append(f"{name}: expected in the corpus but no such event file or id")
            continue
        got = set(matches[expected_event.id])
        for key in sorted((expectation.match | expectation.no_match) - known):
            failures.append(f"{name}: expectation names rule {key!r}, which the plan does not render")
        for key in sorted(expectation.match - got):
            failures.append(f"{name}: must match {key} but does not")
        for key in sorted(expectation.no_match & got):
            failures.append(f"{name}: must not match {key} but does")
        if expectation.exactly:
            for key in sorted(got - expectation.match):
                failures.append(f"{name}: matches {key}, which the expectation (exactly) does not list")
    return Report(rules, events, matches, failures)


# -- output ----------------------------------------------------------------------------------------


def _label(event: Event) -> str:
    return event.file


def format_text(report: Report) -> str:
    """A rule x event matrix for the terminal."""
    lines = ["Rules:"]
    width = len(str(len(report.rules)))
    for i, rule in enumerate(report.rules, start=1):
        lines.append(f"  R{i:<{width}} {rule.key}  [{rule.severity or '-'}]  {report.count(rule)} event(s)")
    header = " ".join(f"R{i:<{width}}" for i in range(1, len(report.rules) + 1))
    lines += ["", f"{'event':<48} {header}"]
    for event in report.events:
        hit = set(report.matches[event.id])
        cells = " ".join(f"{'x' if r.key in hit else '.':<{width + 1}}" for r in report.rules)
        lines.append(f"{_label(event)[:48]:<48} {cells}")
    lines.append("")
    lines.append(_totals(report))
    for rule in report.unmatched_rules():
        lines.append(f"rule matches nothing in the corpus: {rule.key}")
    lines += [f"FAIL {f}" for f in report.failures]
    return "\n".join(lines) + "\n"


def _totals(report: Report) -> str:
    matched = sum(bool(keys) for keys in report.matches.values())
    return (
        f"{len(report.rules)} rules, {len(report.events)} events, "
        f"{matched} events matched at least one rule, "
        f"{len(report.unmatched_rules())} rules matched nothing, {len(report.failures)} expectation failures"
    )


def format_markdown(report: Report) -> str:
    """The same as a PR comment: coverage table, totals, rules that match nothing, failures."""
    out = ["### Rule coverage", "", "| rule | severity | title | events matched |", "|---|---|---|---|"]
    for rule in report.rules:
        hits = [_label(e) for e in report.events if rule.key in report.matches[e.id]]
        shown = ", ".join(f"`{h}`" for h in hits[:6]) + (
            f" and {len(hits) - 6} more" if len(hits) > 6 else ""
        )
        title = (rule.title or "").replace("|", "\\|")
        out.append(f"| `{rule.key}` | {rule.severity or '—'} | {title} | {len(hits)}: {shown or '—'} |")
    out += ["", f"**Totals:** {_totals(report)}.", ""]
    unmatched = report.unmatched_rules()
    if unmatched:
        out += [
            "**Rules that match nothing in the corpus:** " + ", ".join(f"`{r.key}`" for r in unmatched),
            "",
        ]
    if report.failures:
        out += ["**Expectation failures:**", ""] + [f"- {f}" for f in report.failures] + [""]
    else:
        out += ["All expectations hold.", ""]
    out += ["<details><summary>Event x rule matrix</summary>", "", "| event | matched rules |", "|---|---|"]
    for event in report.events:
        keys = report.matches[event.id]
        out.append(f"| `{_label(event)}` | {', '.join(f'`{k}`' for k in keys) or '—'} |")
    out += ["", "</details>", ""]
    return "\n".join(out)


def format_json(report: Report) -> str:
    """Machine-readable: rules, events and matches."""
    return (
        json.dumps(
            {
                "rules": [r.as_json() for r in report.rules],
                "events": [{"id": e.id, "file": e.file} for e in report.events],
                "matches": report.matches,
                "failures": report.failures,
            },
            indent=2,
        )
        + "\n"
    )


# -- lint ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One lint finding."""

    rule: str
    level: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.rule}: {self.message}"


def _leaves(pattern: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], list[Any]]]:
    if isinstance(pattern, dict):
        for key, value in pattern.items():
            if key == "$or" and isinstance(value, list):
                for branch in value:
                    yield from _leaves(branch, path)
            elif isinstance(value, list):
                yield (*path, key), value
            else:
                yield from _leaves(value, (*path, key))


def _exists_false_paths(pattern: Any) -> set[tuple[str, ...]]:
    return {
        p
        for p, values in _leaves(pattern)
        if any(isinstance(v, dict) and v.get("exists") is False for v in values)
    }


def _trivial(value: Any) -> bool:
    if isinstance(value, dict):
        return value in ({"prefix": ""}, {"suffix": ""}, {"wildcard": "*"})
    return False


def lint(rules: Iterable[Rule], events: list[Event] | None = None) -> list[Finding]:
    """Validate every pattern and flag the known traps."""
    engine = _engine()
    findings: list[Finding] = []
    for rule in rules:
        try:
            engine.validate(rule.event_pattern)
        except engine.InvalidPatternError as exc:
            findings.append(Finding(rule.key, "error", f"EventBridge would reject the pattern: {exc}"))
            continue
        if rule.event_bus_name in (None, "", "default") or str(rule.event_bus_name).endswith(
            "event-bus/default"
        ):
            findings.append(
                Finding(rule.key, "error", "rule is on the default event bus; use the dedicated bus")
            )
        leaves = list(_leaves(rule.event_pattern))
        exists_false = _exists_false_paths(rule.event_pattern)
        for path, values in leaves:
            dotted = ".".join(path)
            if len(path) >= 2 and path[0] == "detail" and path[1] in _RECORD_FIELDS:
                findings.append(
                    Finding(
                        rule.key,
                        "error",
                        f"pattern on {dotted}: the audit record is detail.eventBody, so this matches "
                        f"nothing (use detail.eventBody.{'.'.join(path[1:])})",
                    )
                )
            for value in values:
                if isinstance(value, str) and "*" in value:
                    findings.append(
                        Finding(
                            rule.key,
                            "error",
                            f"{dotted}: plain string {value!r} contains '*', "
                            'which EventBridge matches literally; use {"wildcard": ...} or '
                            '{"prefix": ...}',
                        )
                    )
                if isinstance(value, dict) and "anything-but" in value and path not in exists_false:
                    findings.append(
                        Finding(
                            rule.key,
                            "warning",
                            f"{dotted}: anything-but does not match events "
                            'that lack this field; add an $or branch with {"exists": false} '
                            "if such events must match",
                        )
                    )
        if leaves and all(all(_trivial(v) for v in values) for _, values in leaves):
            findings.append(Finding(rule.key, "error", "pattern matches every event that has these fields"))
        if events and len(events) > 1:
            compiled = engine.compile(rule.event_pattern)
            if all(compiled.matches(e.body) for e in events):
                findings.append(
                    Finding(
                        rule.key,
                        "error",
                        f"pattern matches all {len(events)} events of the corpus, "
                        "including ones it should not (noise, other topics)",
                    )
                )
    return findings


# -- command line ----------------------------------------------------------------------------------


def _add_source_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--plan", metavar="PLAN.json", help="a saved `terraform show -json` of a plan")
    group.add_argument("--dir", metavar="DIR", help="a Terraform directory to plan offline first")
    parser.add_argument(
        "--var",
        action="append",
        metavar="NAME=VALUE",
        default=[],
        help="root variable for --dir (JSON when it parses, else string; repeatable)",
    )


def _variables(args: argparse.Namespace) -> dict[str, Any]:
    from genesys_audit_tools.harness import parse_var

    return dict(parse_var(v) for v in args.var)


def _cmd_test(args: argparse.Namespace) -> int:
    try:
        rules = rules_from_plan(load_plan(args.plan, args.dir, _variables(args)))
        events = load_corpus(args.events)
        first = Path(args.events[0])
        expect = Path(args.expect) if args.expect else (first / EXPECTATIONS_FILE if first.is_dir() else None)
        report = evaluate(rules, events, load_expectations(expect))
    except (RulesError, ValueError) as exc:
        sys.stderr.write(f"genesys-audit rules test: {exc}\n")
        return 2
    formatter = {"text": format_text, "markdown": format_markdown, "json": format_json}[args.format]
    text = formatter(report)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    for failure in report.failures:
        sys.stderr.write(f"FAIL {failure}\n")
    return 1 if report.failures else 0


def _cmd_lint(args: argparse.Namespace) -> int:
    try:
        rules = rules_from_plan(load_plan(args.plan, args.dir, _variables(args)))
        events = load_events(args.events) if args.events else None
    except RulesError as exc:
        sys.stderr.write(f"genesys-audit rules lint: {exc}\n")
        return 2
    findings = lint(rules, events)
    for finding in findings:
        print(finding)
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    print(f"{len(rules)} rules linted: {errors} errors, {warnings} warnings")
    return 1 if errors or (args.strict and warnings) else 0


def register(sub: Any) -> None:
    """Add `rules test` and `rules lint` to the CLI."""
    rules = sub.add_parser("rules", help="test and lint the EventBridge rules a plan renders")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    test = rules_sub.add_parser(
        "test",
        help="run every rendered rule over an event corpus",
        description="Print which rule matches which event; exit 1 when an expectation does not hold.",
    )
    _add_source_arguments(test)
    test.add_argument(
        "--events", required=True, action="append", metavar="DIR_OR_JSONL", help="event corpus (repeatable)"
    )
    test.add_argument(
        "--expect", metavar="FILE", help=f"expectations (default: {EXPECTATIONS_FILE} in the first --events)"
    )
    test.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    test.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    test.set_defaults(func=_cmd_test)
    lint_parser = rules_sub.add_parser(
        "lint",
        help="validate every rendered pattern and flag known traps",
        description=(
            "Exit 1 on errors (invalid patterns, default bus, record fields under detail, literal '*', "
            "match-all patterns); warnings (anything-but on a field events may lack) fail with --strict."
        ),
    )
    _add_source_arguments(lint_parser)
    lint_parser.add_argument(
        "--events", metavar="DIR_OR_JSONL", help="corpus used to spot match-all patterns"
    )
    lint_parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    lint_parser.set_defaults(func=_cmd_lint)
    from genesys_audit_tools import backtest

    backtest.register(rules_sub)
