"""Runbooks and hunting queries generated from the rule catalog.

    genesys-audit catalog docs           # write docs/runbooks.md, splunk/savedsearches.conf,
                                         # modules/audit-rules/queries.json
    genesys-audit catalog docs --check   # exit 1 when a generated file is stale

Each catalog rule's EventBridge pattern (its `match` rendered the way modules/audit-rules renders it,
without the deployment's exclusions) becomes:

- a CloudWatch Logs Insights query over the trail log group, which holds whole EventBridge events as
  JSON (fields `detail.eventBody.entityType`...). The subset emitted: `fields`, `filter`, `sort`,
  `limit` commands; in `filter`, `f in [...]`, `f not in [...]`, `ispresent(f)`, `f like /re/`,
  `@message like /re/`, `and`, `or`, `not` and parentheses. Logs Insights flattens arrays to
  `a.0.b`, `a.1.b`...: values in arrays of objects (the audit's `propertyChanges`) are matched with a
  regular expression on `@message`, and an array of strings (`remoteIp`) by its first element
  (`check_insights` validates this subset, `evaluate_insights` runs it on events for the tests);
- a Splunk SPL search over the events Firehose delivers to HEC (sourcetype `genesys:cloud:audit`,
  the event JSON as `event`): `spath` extracts each field the pattern names, then `where` tests
  them with case-sensitive `mvfind` regular expressions (EventBridge matching is case-sensitive,
  Splunk's `search` terms are not; `mvfind` also covers multivalue fields from arrays). `NOT`/`OR`
  with `isnull` keep EventBridge's "absent, or present and not excluded" exclusions.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "modules" / "audit-rules" / "catalog.json"
RUNBOOKS = REPO / "docs" / "runbooks.md"
SAVEDSEARCHES = REPO / "splunk" / "savedsearches.conf"
QUERIES = REPO / "modules" / "audit-rules" / "queries.json"

SOURCETYPE = "genesys:cloud:audit"
DEFAULT_INDEX = "genesys_audit"
DETAIL_TYPE = "v2.audits.entitytype.{id}.entityid.{id}"
# Paths of the audit event that are arrays (EventBridge matches when any element matches): the
# property changes (objects) and the caller's IP addresses (strings).
ARRAY_PATHS = frozenset({("detail", "eventBody", "propertyChanges"), ("detail", "eventBody", "remoteIp")})
RUNBOOK_FIELDS = ("why", "triage", "containment", "evidence", "false_positives")
CONTROL_FRAMEWORKS = {"pci_dss_4": "PCI DSS 4.0", "soc2": "SOC 2", "iso27001_2022": "ISO/IEC 27001:2022"}


class CatalogDocsError(ValueError):
    """The catalog lacks what a generated document needs, or a pattern is outside the supported subset."""


# --- the catalog -------------------------------------------------------------------------------------


def load_catalog(path: Path = CATALOG) -> list[dict[str, Any]]:
    try:
        rules = json.loads(path.read_text())["rules"]
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        raise CatalogDocsError(f"{path}: cannot read the catalog's `rules`: {exc}") from exc
    if not isinstance(rules, list):
        raise CatalogDocsError(f"{path}: `rules` must be an array")
    return rules


def _require(rule: Mapping[str, Any], field: str, kind: type) -> Any:
    key = rule.get("key", "<rule without key>")
    value: Any = rule
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        raise CatalogDocsError(f"catalog rule {key!r} has no `{field}`: add it to modules/audit-rules/catalog.json")
    if not isinstance(value, kind) or (kind in (list, str, dict) and not value):
        raise CatalogDocsError(f"catalog rule {key!r}: `{field}` must be a non-empty {kind.__name__}, got {value!r}")
    return value


def catalog_pattern(rule: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's EventBridge pattern as modules/audit-rules renders it from `match` (no exclusions)."""
    match = _require(rule, "match", dict)
    body: dict[str, Any] = {}
    if match.get("entity_types"):
        body["entityType"] = list(match["entity_types"])
    if match.get("actions"):
        body["action"] = list(match["actions"])
    if match.get("properties"):
        body["propertyChanges"] = {"property": list(match["properties"])}
    if match.get("service_names"):
        body["serviceName"] = list(match["service_names"])
    return {"detail-type": [DETAIL_TYPE], "detail": {"eventBody": body}}


# --- the pattern as conditions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One pattern leaf: the field path and its alternatives (ORed, as in an EventBridge array)."""

    path: tuple[str, ...]
    equals: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    exists: bool | None = None  # {"exists": true/false} among the alternatives
    but: tuple[str, ...] = ()  # anything-but values
    but_prefixes: tuple[str, ...] = ()  # anything-but prefixes

    @property
    def in_array(self) -> bool:
        return any(self.path[:i] in ARRAY_PATHS for i in range(1, len(self.path)))


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise CatalogDocsError(f"{where}: only string values are supported in hunting queries, got {value!r}")
    return tuple(items)


def conditions(pattern: Mapping[str, Any], where: str, path: tuple[str, ...] = ()) -> Iterator[Condition]:
    """The pattern's leaves; raises CatalogDocsError for what the queries cannot express."""
    for key, value in pattern.items():
        here = (*path, key)
        if isinstance(value, Mapping):
            yield from conditions(value, where, here)
            continue
        if not isinstance(value, list):
            raise CatalogDocsError(f"{where}: {'.'.join(here)} must be an array or an object")
        equals: list[str] = []
        prefixes: list[str] = []
        but: tuple[str, ...] = ()
        but_prefixes: tuple[str, ...] = ()
        exists: bool | None = None
        for alt in value:
            if isinstance(alt, str):
                equals.append(alt)
            elif isinstance(alt, Mapping) and set(alt) == {"exists"} and isinstance(alt["exists"], bool):
                exists = alt["exists"]
            elif isinstance(alt, Mapping) and set(alt) == {"prefix"}:
                prefixes.extend(_strings(alt["prefix"], where))
            elif isinstance(alt, Mapping) and set(alt) == {"anything-but"}:
                spec = alt["anything-but"]
                if isinstance(spec, Mapping) and set(spec) == {"prefix"}:
                    but_prefixes = _strings(spec["prefix"], where)
                else:
                    but = _strings(spec, where)
            else:
                raise CatalogDocsError(f"{where}: {'.'.join(here)}: {alt!r} is not supported in hunting queries")
        if (but or but_prefixes) and (equals or prefixes or exists is True):
            raise CatalogDocsError(f"{where}: {'.'.join(here)}: anything-but mixed with values is not supported")
        yield Condition(here, tuple(equals), tuple(prefixes), exists, but, but_prefixes)


# --- CloudWatch Logs Insights ------------------------------------------------------------------------


def _li_field(path: tuple[str, ...]) -> str:
    name = ".".join(path)
    return name if re.fullmatch(r"[A-Za-z_@][A-Za-z0-9_.]*", name) else f"`{name}`"


def _li_string(value: str) -> str:
    return json.dumps(value)


def _li_regex(regex: str) -> str:
    return "/" + regex.replace("/", "\\/") + "/"


def _alternation(values: Sequence[str], *, prefix: bool = False) -> str:
    """A regular expression (plain groups: both Logs Insights and Splunk's PCRE read it) for the values."""
    body = "|".join(re.escape(v) for v in values)
    return f"^({body})" if prefix else f"^({body})$"


def _li_condition(c: Condition) -> str:
    if c.in_array:
        key = c.path[-1]
        alts = [_li_regex(f'"{re.escape(key)}"\\s*:\\s*"({"|".join(re.escape(v) for v in c.equals)})"')]
        if c.prefixes or c.but or c.but_prefixes or c.exists is not None:
            raise CatalogDocsError(f"{'.'.join(c.path)}: only exact values are supported inside arrays")
        return f"@message like {alts[0]}"
    # An array of strings is flattened by Logs Insights to `a.0`, `a.1`...: the first element is tested.
    field = _li_field((*c.path, "0") if c.path in ARRAY_PATHS else c.path)
    if c.but or c.but_prefixes:
        parts = []
        if c.but:
            parts.append(f"{field} not in [{', '.join(_li_string(v) for v in c.but)}]")
        if c.but_prefixes:
            parts.append(f"not {field} like {_li_regex(_alternation(c.but_prefixes, prefix=True))}")
        test = " and ".join(parts)
        return f"(not ispresent({field}) or ({test}))" if c.exists is False else f"({test})"
    alts = []
    if c.equals:
        alts.append(f"{field} in [{', '.join(_li_string(v) for v in c.equals)}]")
    if c.prefixes:
        alts.append(f"{field} like {_li_regex(_alternation(c.prefixes, prefix=True))}")
    if c.exists is True:
        alts.append(f"ispresent({field})")
    if c.exists is False:
        alts.append(f"not ispresent({field})")
    return alts[0] if len(alts) == 1 else "(" + " or ".join(alts) + ")"


def insights_query(pattern: Mapping[str, Any], where: str) -> str:
    """A Logs Insights query over the trail selecting the events the pattern matches."""
    tests = [_li_condition(c) for c in conditions(pattern, where)]
    lines = [
        "fields @timestamp, detail.eventBody.entityType, detail.eventBody.action, detail.eventBody.entity.id,"
        " detail.eventBody.userId, detail.eventBody.clientId.id, detail.eventBody.remoteIp",
        *(f"| filter {t}" for t in tests),
        "| sort @timestamp desc",
        "| limit 1000",
    ]
    query = "\n".join(lines)
    check_insights(query)
    return query


_LI_TOKEN = re.compile(
    r"\s*(?:(?P<string>\"(?:[^\"\\]|\\.)*\")|(?P<regex>/(?:[^/\\\n]|\\.)+/)|(?P<number>\d+)"
    r"|(?P<field>`[^`]+`|@?[A-Za-z_][A-Za-z0-9_.]*)|(?P<punct>\||,|\(|\)|\[|\]|=|!=))"
)


def _li_tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _LI_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise CatalogDocsError(f"Logs Insights query: unexpected text at {pos}: {text[pos : pos + 30]!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "regex":
            try:
                re.compile(value[1:-1].replace("\\/", "/"))
            except re.error as exc:
                raise CatalogDocsError(f"Logs Insights query: bad regular expression {value}: {exc}") from exc
        tokens.append((kind, value))
        pos = m.end()
    return tokens


# A Logs Insights record as the evaluator sees it: flattened JSON fields (`a.b`, `a.0.b`) and @message.
_Record = Mapping[str, str]
_Predicate = Callable[[_Record], bool]


class _InsightsParser:
    """Recursive descent over the emitted subset: command ('|' command)*; `filter` becomes a predicate."""

    COMMANDS = ("fields", "filter", "sort", "limit")

    def __init__(self, text: str) -> None:
        self.tokens = _li_tokens(text)
        self.i = 0
        self.filters: list[_Predicate] = []

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        k, v = self.peek()
        if k != kind or (value is not None and v.lower() != value):
            raise CatalogDocsError(f"Logs Insights query: expected {value or kind}, found {v or 'end of query'!r}")
        self.i += 1
        return v

    def field(self) -> str:
        name = self.take("field")
        return name[1:-1] if name.startswith("`") else name

    def parse(self) -> list[_Predicate]:
        self.command()
        while self.peek() == ("punct", "|"):
            self.take("punct", "|")
            self.command()
        self.take("end")
        return self.filters

    def command(self) -> None:
        name = self.take("field").lower()
        if name == "fields":
            self.field()
            while self.peek() == ("punct", ","):
                self.take("punct", ",")
                self.field()
        elif name == "filter":
            self.filters.append(self.expression())
        elif name == "sort":
            self.field()
            if self.peek()[1].lower() in ("asc", "desc"):
                self.i += 1
        elif name == "limit":
            if int(self.take("number")) > 10000:
                raise CatalogDocsError("Logs Insights query: limit is at most 10000")
        else:
            raise CatalogDocsError(f"Logs Insights query: {name!r} is not one of {', '.join(self.COMMANDS)}")

    def expression(self) -> _Predicate:
        parts = [self.conjunction()]
        while self.peek()[1].lower() == "or":
            self.i += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conjunction(self) -> _Predicate:
        parts = [self.unary()]
        while self.peek()[1].lower() == "and":
            self.i += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> _Predicate:
        if self.peek()[1].lower() == "not":
            self.i += 1
            inner = self.unary()
            return lambda r: not inner(r)
        if self.peek() == ("punct", "("):
            self.take("punct", "(")
            inner = self.expression()
            self.take("punct", ")")
            return inner
        if self.peek()[1].lower() == "ispresent":
            self.i += 1
            self.take("punct", "(")
            name = self.field()
            self.take("punct", ")")
            return lambda r: name in r
        return self.comparison()

    def comparison(self) -> _Predicate:
        name = self.field()
        kind, op = self.peek()
        op = op.lower()
        negated = False
        if op == "not":
            self.i += 1
            op = self.take("field", "in").lower()
            negated = True
        else:
            self.i += 1
        if op == "in":
            self.take("punct", "[")
            values = {json.loads(self.take("string"))}
            while self.peek() == ("punct", ","):
                self.take("punct", ",")
                values.add(json.loads(self.take("string")))
            self.take("punct", "]")
            # A comparison on an absent field is false, `not in` included.
            return lambda r: name in r and ((r[name] in values) != negated)
        if op == "like":
            k, v = self.peek()
            if k not in ("regex", "string"):
                raise CatalogDocsError("Logs Insights query: `like` needs a /regex/ or a string")
            self.i += 1
            regex = re.compile(v[1:-1].replace("\\/", "/")) if k == "regex" else re.compile(re.escape(json.loads(v)))
            return lambda r: name in r and regex.search(r[name]) is not None
        if kind == "punct" and op in ("=", "!="):
            value = json.loads(self.take("string"))
            return lambda r: name in r and ((r[name] == value) == (op == "="))
        raise CatalogDocsError(f"Logs Insights query: unexpected operator {op!r}")


def check_insights(query: str) -> None:
    """Raise CatalogDocsError unless the query is in the documented Logs Insights subset."""
    _InsightsParser(query).parse()


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            _flatten(v, f"{prefix}.{n}", out)
    elif value is not None:
        out[prefix] = value if isinstance(value, str) else json.dumps(value)


def evaluate_insights(query: str, events: Sequence[Any]) -> list[int]:
    """The positions of the trail's events (EventBridge events, logged as compact JSON) the query selects."""
    filters = _InsightsParser(query).parse()
    selected = []
    for position, event in enumerate(events):
        record: dict[str, str] = {"@message": json.dumps(event, separators=(",", ":"))}
        _flatten(event, "", record)
        if all(f(record) for f in filters):
            selected.append(position)
    return selected


# --- Splunk SPL --------------------------------------------------------------------------------------


def _spl_name(path: tuple[str, ...]) -> str:
    return "ga_" + re.sub(r"[^A-Za-z0-9_]", "_", "_".join(path))


def _spl_path(path: tuple[str, ...]) -> str:
    parts = []
    for i, key in enumerate(path):
        parts.append(key + ("{}" if path[: i + 1] in ARRAY_PATHS else ""))
    return ".".join(parts)


def _spl_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _spl_condition(c: Condition) -> str:
    name = _spl_name(c.path)
    if c.but or c.but_prefixes:
        # Some value not excluded (a negative lookahead), as EventBridge's anything-but on an array.
        excluded = [_alternation(c.but)] if c.but else []
        excluded += [_alternation(c.but_prefixes, prefix=True)] if c.but_prefixes else []
        regex = "^(?!" + "|".join(f"({r.removeprefix('^')})" for r in excluded) + ")"
        test = f"isnotnull(mvfind({name}, {_spl_string(regex)}))"
        return f"(isnull({name}) OR {test})" if c.exists is False else test
    alts = []
    if c.equals:
        alts.append(f"isnotnull(mvfind({name}, {_spl_string(_alternation(c.equals))}))")
    if c.prefixes:
        alts.append(f"isnotnull(mvfind({name}, {_spl_string(_alternation(c.prefixes, prefix=True))}))")
    if c.exists is True:
        alts.append(f"isnotnull({name})")
    if c.exists is False:
        alts.append(f"isnull({name})")
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def spl_query(pattern: Mapping[str, Any], where: str, index: str = DEFAULT_INDEX) -> str:
    """An SPL search over the HEC index selecting the events the pattern matches."""
    conds = list(conditions(pattern, where))
    parts = [f'index={index} sourcetype="{SOURCETYPE}"']
    seen: set[tuple[str, ...]] = set()
    for c in conds:
        if c.path not in seen:
            seen.add(c.path)
            parts.append(f"spath output={_spl_name(c.path)} path={_spl_path(c.path)}")
    parts.append("where " + " AND ".join(_spl_condition(c) for c in conds))
    return " | ".join(parts)


# --- documents ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleQueries:
    key: str
    title: str
    insights: str
    spl: str


def rule_queries(rules: Sequence[Mapping[str, Any]], index: str = DEFAULT_INDEX) -> list[RuleQueries]:
    out = []
    for rule in rules:
        key = _require(rule, "key", str)
        pattern = catalog_pattern(rule)
        where = f"catalog rule {key!r}"
        out.append(
            RuleQueries(
                key, _require(rule, "title", str), insights_query(pattern, where), spl_query(pattern, where, index)
            )
        )
    return out


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _threshold_lines(rule: Mapping[str, Any]) -> list[str]:
    """A threshold rule's condition (the queries select the events it counts)."""
    t = rule.get("threshold")
    if t is None:
        return []
    return [
        f"Threshold: {t['count']} or more matching events within {t['window_minutes']} minutes per"
        f" {t['group_by'].replace('_', ' ')}; the hunting queries below list the events it counts.",
        "",
    ]


def _attack_link(technique: str) -> str:
    return f"[{technique}](https://attack.mitre.org/techniques/{technique.replace('.', '/')}/)"


def render_runbooks(rules: Sequence[Mapping[str, Any]]) -> str:
    """docs/runbooks.md: one section per rule, headed by the rule key (its GitHub anchor)."""
    queries = {q.key: q for q in rule_queries(rules)}
    out = [
        "# Runbooks",
        "",
        "<!-- Generated from modules/audit-rules/catalog.json by `genesys-audit catalog docs`; do not edit. -->",
        "",
        "One section per catalog rule: what happened and why it matters, triage, containment in Genesys",
        "Cloud, evidence, known false positives, the ATT&CK techniques and compliance controls it gives",
        "evidence for, and hunting queries over the trail (CloudWatch Logs Insights) and Splunk.",
        "",
    ]
    for rule in rules:
        key = _require(rule, "key", str)
        for field in ("title", "severity", "severity_reason"):
            _require(rule, field, str)
        attack = _require(rule, "attack", list)
        controls = _require(rule, "controls", dict)
        runbook = _require(rule, "runbook", dict)
        for field in RUNBOOK_FIELDS:
            _require(rule, f"runbook.{field}", str if field == "why" else list)
        q = queries[key]
        control_lines = [f"{CONTROL_FRAMEWORKS.get(fw, fw)}: {', '.join(ids)}" for fw, ids in controls.items() if ids]
        out += [
            f"## {key}",
            "",
            f"**{rule['title']}** — severity {rule['severity']}: {rule['severity_reason']}",
            "",
            "ATT&CK: " + ", ".join(_attack_link(t) for t in attack),
            "",
            *_threshold_lines(rule),
            "Controls evidenced:",
            "",
            _bullets(control_lines),
            "",
            "### What happened and why it matters",
            "",
            runbook["why"],
            "",
            "### Triage",
            "",
            _bullets(runbook["triage"]),
            "",
            "### Containment in Genesys Cloud",
            "",
            _bullets(runbook["containment"]),
            "",
            "### Evidence to collect",
            "",
            _bullets(runbook["evidence"]),
            "",
            "### Known false positives",
            "",
            _bullets(runbook["false_positives"]),
            "",
            "### Hunting queries",
            "",
            "CloudWatch Logs Insights, over the trail log group:",
            "",
            "```",
            q.insights,
            "```",
            "",
            "Splunk, over the HEC index (also in splunk/savedsearches.conf):",
            "",
            "```",
            q.spl,
            "```",
            "",
        ]
    return "\n".join(out)


def render_savedsearches(rules: Sequence[Mapping[str, Any]], index: str = DEFAULT_INDEX) -> str:
    out = [
        "# Generated from modules/audit-rules/catalog.json by `genesys-audit catalog docs`; do not edit.",
        f"# Searches the HEC index {index!r}; change `index=` after copying if yours differs.",
        "",
    ]
    for q in rule_queries(rules, index):
        out += [
            f"[Genesys audit - {q.key}]",
            f"description = {q.title} (runbook: docs/runbooks.md#{q.key})",
            f"search = {q.spl}",
            "dispatch.earliest_time = -24h",
            "dispatch.latest_time = now",
            "enableSched = 0",
            "",
        ]
    return "\n".join(out)


def render_queries_json(rules: Sequence[Mapping[str, Any]]) -> str:
    """Per-rule Logs Insights queries for modules/audit-rules' aws_cloudwatch_query_definition."""
    return json.dumps({q.key: q.insights for q in rule_queries(rules)}, indent=2, sort_keys=True) + "\n"


def outputs(rules: Sequence[Mapping[str, Any]]) -> dict[Path, Callable[[], str]]:
    """Each generated file and how to render it (the runbooks last: they need every documentation field)."""
    return {
        QUERIES: lambda: render_queries_json(rules),
        SAVEDSEARCHES: lambda: render_savedsearches(rules),
        RUNBOOKS: lambda: render_runbooks(rules),
    }


def github_anchor(heading: str) -> str:
    """GitHub's heading anchor: lower-case, punctuation except '-' and '_' dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        m = None if in_code else re.match(r"#{1,6} (.+)$", line)
        if m:
            base = github_anchor(m.group(1))
            n = counts.get(base, 0)
            counts[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def _run(check: bool, catalog: Path | None = None) -> int:
    """Write (or with `check`, compare) every generated file (the module READMEs' sections, the queries,
    the saved searches, then the runbooks); CatalogDocsError after writing the ones before."""
    from genesys_audit_tools import moddocs

    rules = load_catalog(catalog or CATALOG)
    stale = []
    # The module READMEs' generated sections too: one command regenerates every generated document.
    for readme in moddocs.readmes(REPO):
        if not moddocs.update(readme, check=check):
            stale.append(readme.relative_to(REPO).as_posix())
            if not check:
                print(f"updated {stale[-1]}")
    for path, render in outputs(rules).items():
        text = render()
        if not path.exists() or path.read_text() != text:
            stale.append(path.relative_to(REPO).as_posix())
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"updated {stale[-1]}")
    if stale and check:
        print("stale generated files (run `genesys-audit catalog docs`):", ", ".join(stale))
        return 1
    return 0


def register(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="documents generated from the rule catalog")
    inner = catalog.add_subparsers(dest="catalog_command", required=True)
    docs = inner.add_parser(
        "docs", help="write docs/runbooks.md, splunk/savedsearches.conf, queries.json and the module READMEs' tables"
    )
    docs.add_argument("--check", action="store_true", help="exit 1 when a generated file is stale")
    docs.set_defaults(func=_cmd_docs)


def _cmd_docs(args: argparse.Namespace) -> int:
    try:
        return _run(args.check)
    except CatalogDocsError as exc:
        print(f"error: {exc}")
        return 2


# --- an evaluator for the SPL subset emitted above (tests run the searches on the HEC events) --------

_SPL_TOKEN = re.compile(r"\s*(?:(?P<string>\"(?:[^\"\\]|\\.)*\")|(?P<punct>[|(),=])|(?P<word>[^\s|(),=\"]+))")


def _spl_tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos, text = [], 0, text.rstrip()
    while pos < len(text):
        m = _SPL_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise CatalogDocsError(f"SPL: unexpected text at {pos}: {text[pos : pos + 30]!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        pos = m.end()
    return tokens


def _spath(event: Any, path: str) -> list[str] | None:
    """Splunk's spath for `a.b{}.c`: the values found, as a multivalue field (None when absent)."""
    values = [event]
    for part in path.split("."):
        array = part.endswith("{}")
        key = part[:-2] if array else part
        found = []
        for v in values:
            if isinstance(v, dict) and key in v:
                item = v[key]
                if array:
                    found.extend(item if isinstance(item, list) else [])
                else:
                    found.append(item)
        values = found
    out = [v if isinstance(v, str) else json.dumps(v) for v in values if v is not None]
    return out or None


class _SplWhere:
    """`where` expressions: OR/AND/NOT, parentheses, isnull(x), isnotnull(x), mvfind(field, "regex")."""

    def __init__(self, tokens: list[tuple[str, str]], fields: Mapping[str, list[str] | None]) -> None:
        self.tokens, self.fields, self.i = tokens, fields, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        k, v = self.peek()
        if (value is not None and v != value) or (kind is not None and k != kind) or k == "end":
            raise CatalogDocsError(f"SPL where: expected {value or kind}, found {v or 'end'!r}")
        self.i += 1
        return v

    def parse(self) -> bool:
        result = self.disjunction()
        if self.peek()[0] != "end":
            raise CatalogDocsError(f"SPL where: unexpected {self.peek()[1]!r}")
        return result

    def disjunction(self) -> bool:
        results = [self.conjunction()]
        while self.peek() == ("word", "OR"):
            self.i += 1
            results.append(self.conjunction())
        return any(results)

    def conjunction(self) -> bool:
        results = [self.unary()]
        while self.peek() == ("word", "AND"):
            self.i += 1
            results.append(self.unary())
        return all(results)

    def unary(self) -> bool:
        if self.peek() == ("word", "NOT"):
            self.i += 1
            return not self.unary()
        if self.peek() == ("punct", "("):
            self.i += 1
            result = self.disjunction()
            self.take(")")
            return result
        name = self.take(kind="word")
        if name not in ("isnull", "isnotnull"):
            raise CatalogDocsError(f"SPL where: {name!r} is outside the supported subset")
        self.take("(")
        value = self.value()
        self.take(")")
        return (value is None) == (name == "isnull")

    def value(self) -> Any:
        name = self.take(kind="word")
        if name != "mvfind":
            return self.field(name)
        self.take("(")
        values = self.field(self.take(kind="word"))
        self.take(",")
        regex = re.compile(self.take(kind="string"))
        self.take(")")
        return next((i for i, v in enumerate(values or []) if regex.search(v)), None)

    def field(self, name: str) -> list[str] | None:
        if name not in self.fields:
            raise CatalogDocsError(f"SPL where: field {name!r} was not extracted by spath")
        return self.fields[name]


def evaluate_spl(query: str, records: Sequence[Mapping[str, Any]], index: str = DEFAULT_INDEX) -> list[int]:
    """The positions of the HEC records (`sourcetype`, `event`; all in `index`) the search selects."""
    commands: list[list[tuple[str, str]]] = [[]]
    for token in _spl_tokens(query):
        if token == ("punct", "|"):
            commands.append([])
        else:
            commands[-1].append(token)
    selected = []
    for position, record in enumerate(records):
        fields: dict[str, list[str] | None] = {}
        keep = True
        for number, command in enumerate(commands):
            # The first command is an implicit `search` unless named.
            implicit = number == 0 and command[0] != ("word", "search")
            name, args = ("search", command) if implicit else (command[0][1], command[1:])
            if name == "search":
                pairs = [(args[i][1], args[i + 2][1]) for i in range(0, len(args), 3)]
                if any(args[i + 1] != ("punct", "=") for i in range(0, len(args), 3)):
                    raise CatalogDocsError("SPL search: only field=value terms are supported")
                known = {"index": index, "sourcetype": record.get("sourcetype")}
                keep = all(known.get(f) == v for f, v in pairs)
            elif name == "spath":
                opts = {args[i][1]: args[i + 2][1] for i in range(0, len(args), 3)}
                fields[opts["output"]] = _spath(record.get("event"), opts["path"])
            elif name == "where":
                keep = _SplWhere(args, fields).parse()
            else:
                raise CatalogDocsError(f"SPL: command {name!r} is outside the supported subset")
            if not keep:
                break
        if keep:
            selected.append(position)
    return selected
