"""`genesys-audit rules backtest`: what the rules of a plan would have caught in real history.

Library use (the PR review embeds the summary):

    from genesys_audit_tools import backtest
    result = backtest.run(head_rules, events, base_rules=base_rules)   # rules: rules.Rule lists
    result.to_markdown(); result.to_text(); result.to_json(); result.failures(pages_per_day=3)

`run(rules, events, base_rules=None, *, samples=3)` takes the rules of the head plan
(`rules.rules_from_plan`), an iterable of history items and optionally the rules of a base plan. A
history item is an EventBridge event or any shape the pipeline stores one in: a Firehose/HEC event
`{"event": {...}}`, an alert payload `{"rule": .., "event": {...}}`, a Splunk export row with `_raw`
(or `{"result": {"_raw": ..}}`), a JSON string of any of these; `normalize` unwraps them, other
items are counted as unreadable. Audits seen twice (same `detail.eventBody.id`) count once. All rules
are matched together by the compiled matcher (`genesys_audit_tools.matcher`), whose answers are the
pattern engine's. The result holds, per rule, the matches over the period and per UTC day and a few
sample audits (id, time, actor, entity, action and the changed properties, values of secret-like
properties redacted by `genesys_audit.audit`); with a base, each rule's status (added, removed,
changed, unchanged) and, for a changed rule, the audits it now matches that it did not, and the
reverse. History readers: `read_files` (JSONL files or a directory, gzip accepted), `read_log_group`
(CloudWatch Logs FilterLogEvents, paginated) and `read_s3` (JSONL/gzip objects under a prefix).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from genesys_audit.audit import AuditView, shorten
from genesys_audit_tools.matcher import RuleSet
from genesys_audit_tools.rules import EXPECTATIONS_FILE, Rule, RulesError

__all__ = ["BacktestResult", "RuleResult", "Sample", "normalize", "read_files", "read_log_group", "read_s3", "run"]

DEFAULT_SAMPLES = 3
PAGING_SEVERITIES = ("CRITICAL",)
_EVENT_KEYS = ("detail-type", "detail")


# -- history ---------------------------------------------------------------------------------------


def normalize(item: Any, _depth: int = 0) -> dict[str, Any] | None:
    """The EventBridge event inside one history item, or None when there is none."""
    if _depth > 4:
        return None
    if isinstance(item, (str, bytes)):
        try:
            item = json.loads(item)
        except ValueError:
            return None
    if not isinstance(item, dict):
        return None
    if all(key in item for key in _EVENT_KEYS):
        return item
    for wrapper in ("event", "_raw", "result", "message"):
        if wrapper in item:
            found = normalize(item[wrapper], _depth + 1)
            if found is not None:
                return found
    return None


def _items(text: IO[str]) -> Iterator[Any]:
    """Items of JSON lines, streamed; or of one JSON document (an array of items, one pretty-printed item)."""
    first = text.readline()
    try:
        loaded = json.loads(first) if first.strip() else None
    except ValueError:
        loaded = None
    if loaded is None and first.strip():  # not one item per line: read the one document
        whole = first + text.read()
        try:
            loaded = json.loads(whole)
        except ValueError:
            yield from (line for line in whole.splitlines() if line.strip())  # counted as unreadable
            return
    if isinstance(loaded, list):
        yield from loaded
    elif loaded is not None:
        yield loaded
    yield from (line for line in text if line.strip())


def _text(binary: BinaryIO) -> IO[str]:
    """A text stream over a file or object, gunzipped when it starts with gzip's magic bytes."""
    magic = binary.read(2)
    binary.seek(0)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.GzipFile(fileobj=binary), encoding="utf-8", errors="replace")
    return io.TextIOWrapper(binary, encoding="utf-8", errors="replace")


def _read(binary: BinaryIO, where: str) -> Iterator[Any]:
    try:
        with _text(binary) as text:
            yield from _items(text)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise RulesError(f"{where}: cannot read it: {exc}") from exc


def read_files(path: str | Path) -> Iterator[Any]:
    """History items from a JSONL file (gzip accepted) or every `*.json*`/`*.gz` file under a directory."""
    source = Path(path)
    if source.is_dir():
        files = sorted(
            p
            for p in source.rglob("*")
            if p.is_file() and re.search(r"\.(jsonl?|gz|log)$", p.name) and p.name != EXPECTATIONS_FILE
        )
        if not files:
            raise RulesError(f"--events {source}: no .json, .jsonl, .log or .gz files in the directory")
    elif source.is_file():
        files = [source]
    else:
        raise RulesError(f"--events {source}: no such file or directory")
    for file in files:
        yield from _read(file.open("rb"), str(file))


def read_log_group(
    client: Any,
    name: str,
    since: datetime,
    until: datetime,
    *,
    progress: Callable[[str], None] | None = None,
    page_size: int = 10_000,
) -> Iterator[Any]:
    """Messages of a log group (the trail) between two times, with FilterLogEvents, page by page."""
    paginator = client.get_paginator("filter_log_events")
    pages = paginator.paginate(
        logGroupName=name,
        startTime=_millis(since),
        endTime=_millis(until) - 1,  # the end is exclusive here, inclusive in the API
        PaginationConfig={"PageSize": page_size},
    )
    read = 0
    try:
        for number, page in enumerate(pages, start=1):
            for log_event in page.get("events", []):
                read += 1
                yield log_event.get("message", "")
            if progress:
                progress(f"log group {name}: page {number}, {read:,} events read")
    except client.exceptions.ResourceNotFoundException as exc:
        raise RulesError(f"--log-group {name}: no such log group in this account and region") from exc


def read_s3(client: Any, url: str, progress: Callable[[str], None] | None = None) -> Iterator[Any]:
    """History items from every object under `s3://bucket/prefix` (JSONL, gzip accepted)."""
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", url)
    if not match:
        raise RulesError(f"--s3 {url}: expected s3://BUCKET/PREFIX")
    bucket, prefix = match.groups()
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            count += 1
            yield from _read(io.BytesIO(body), f"s3://{bucket}/{obj['Key']}")
            if progress:
                progress(f"s3://{bucket}/{prefix}: {count} objects read")


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """An ISO date or time (UTC unless it says otherwise), or `30d` / `12h` before now."""
    now = now or datetime.now(UTC)
    relative = re.fullmatch(r"(\d+)([dh])", text.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise RulesError(
            f"{text!r} is not a time: give an ISO date or time (2025-06-01, 2025-06-01T12:00Z) or 30d"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- the backtest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One audit, as a reviewer needs to recognise it; secret-like values redacted."""

    id: str
    time: str | None
    actor: str
    entity: str
    action: str | None
    changes: tuple[str, ...]

    @classmethod
    def of(cls, event: dict[str, Any]) -> Sample:
        view = AuditView.of(event)
        actor = view.user_display or view.actor_id or "unknown"
        actor = f"{view.actor_kind} {actor}" if view.actor_id else actor
        entity = " ".join(p for p in (view.entity_type, view.entity_id) if p) or "-"
        if view.entity_name:
            entity += f" ({shorten(view.entity_name, 40)})"
        return cls(
            id=view.audit_id or str(event.get("id") or "-"),
            time=view.event_time or event.get("time"),
            actor=actor,
            entity=entity,
            action=view.action,
            changes=tuple(shorten(c.summary(), 100) for c in view.changes[:4]),
        )

    def line(self) -> str:
        changes = f"; {', '.join(self.changes)}" if self.changes else ""
        return f"{self.id} {self.time or ''} {self.action or '-'} {self.entity} by {self.actor}{changes}"


@dataclass
class RuleResult:
    """One rule over the history."""

    key: str
    severity: str | None
    title: str | None
    status: str  # "unchanged" | "changed" | "added" | "removed" | "head" (no base given)
    matches: int = 0
    per_day: Counter[str] = field(default_factory=Counter)
    samples: list[Sample] = field(default_factory=list)
    newly_matched: int = 0
    newly_samples: list[Sample] = field(default_factory=list)
    no_longer_matched: int = 0
    no_longer_samples: list[Sample] = field(default_factory=list)

    @property
    def busiest_day(self) -> tuple[str, int] | None:
        return max(self.per_day.items(), key=lambda kv: (kv[1], kv[0])) if self.per_day else None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "severity": self.severity,
            "title": self.title,
            "status": self.status,
            "matches": self.matches,
            "per_day": dict(sorted(self.per_day.items())),
            "samples": [s.__dict__ | {"changes": list(s.changes)} for s in self.samples],
        }
        if self.status == "changed":
            out["newly_matched"] = {
                "count": self.newly_matched,
                "samples": [s.__dict__ | {"changes": list(s.changes)} for s in self.newly_samples],
            }
            out["no_longer_matched"] = {
                "count": self.no_longer_matched,
                "samples": [s.__dict__ | {"changes": list(s.changes)} for s in self.no_longer_samples],
            }
        return out


@dataclass
class BacktestResult:
    """Per-rule matches over the history; `to_text`, `to_markdown`, `to_json` render it."""

    rules: list[RuleResult]
    audits: int = 0
    duplicates: int = 0
    unreadable: int = 0
    first: str | None = None
    last: str | None = None
    sources: list[str] = field(default_factory=list)
    has_base: bool = False

    @property
    def days(self) -> int:
        """Days of the period the history covers (at least 1)."""
        if not self.first or not self.last:
            return 1
        return (datetime.fromisoformat(self.last[:10]) - datetime.fromisoformat(self.first[:10])).days + 1

    def rule(self, key: str) -> RuleResult:
        return next(r for r in self.rules if r.key == key)

    def failures(self, pages_per_day: int | None = None, severities: Iterable[str] = PAGING_SEVERITIES) -> list[str]:
        """Why the backtest fails: a paging rule (CRITICAL by default) over `pages_per_day` on some day."""
        if pages_per_day is None:
            return []
        paging = {s.upper() for s in severities}
        out = []
        for rule in self.rules:
            if rule.status == "removed" or (rule.severity or "").upper() not in paging:
                continue
            over = sorted(day for day, n in rule.per_day.items() if n > pages_per_day)
            if over:
                worst = max(rule.per_day[d] for d in over)
                out.append(
                    f"{rule.severity} rule {rule.key} would have paged more than {pages_per_day} times a day "
                    f"on {len(over)} day(s) (up to {worst}, first {over[0]})"
                )
        return out

    # -- rendering --

    def _headline(self) -> str:
        period = (
            f"{self.first[:10]} to {self.last[:10]} ({self.days} days)" if self.first and self.last else "no audits"
        )
        extra = []
        if self.duplicates:
            extra.append(f"{self.duplicates:,} duplicates ignored")
        if self.unreadable:
            extra.append(f"{self.unreadable:,} unreadable items skipped")
        return f"{self.audits:,} audits, {period}" + (f"; {', '.join(extra)}" if extra else "")

    def _changes(self) -> dict[str, list[RuleResult]]:
        return {s: [r for r in self.rules if r.status == s] for s in ("added", "removed", "changed")}

    def to_text(self, failures: Iterable[str] = ()) -> str:
        """For the terminal."""
        lines = [f"Backtest: {self._headline()}", *(f"  source: {s}" for s in self.sources), ""]
        width = max((len(r.key) for r in self.rules), default=4)
        for r in self.rules:
            busiest = r.busiest_day
            per_day = f"max {busiest[1]}/day ({busiest[0]}), {r.matches / self.days:.1f}/day" if busiest else "-"
            status = "" if r.status in ("head", "unchanged") else f"  [{r.status}]"
            lines.append(f"  {r.key:<{width}}  {r.severity or '-':<8} {r.matches:>8,}  {per_day}{status}")
            for s in r.samples:
                lines.append(f"      {s.line()}")
            if r.status == "changed":
                lines.append(
                    f"      now matches {r.newly_matched:,} it did not; no longer matches {r.no_longer_matched:,}"
                )
                lines += [f"      + {s.line()}" for s in r.newly_samples]
                lines += [f"      - {s.line()}" for s in r.no_longer_samples]
        lines += [f"FAIL {f}" for f in failures]
        return "\n".join(lines) + "\n"

    def to_markdown(self, failures: Iterable[str] = ()) -> str:
        """For a pull-request comment: counts first, samples collapsed."""
        failures = list(failures)
        out = [f"### Rule backtest: {self._headline()}", ""]
        if self.sources:
            out += ["History: " + "; ".join(f"`{s}`" for s in self.sources), ""]
        if self.has_base:
            changes = self._changes()
            summary = ", ".join(
                f"{len(rs)} {status}" + (f" ({', '.join(f'`{r.key}`' for r in rs)})" if rs else "")
                for status, rs in changes.items()
            )
            out += [f"**Rule changes:** {summary}.", ""]
        out += ["| rule | severity | matches | per day (avg / max) | busiest day |", "|---|---|---:|---|---|"]
        for r in self.rules:
            busiest = r.busiest_day
            status = "" if r.status in ("head", "unchanged") else f" **{r.status}**"
            out.append(
                f"| `{r.key}`{status} | {r.severity or '—'} | {r.matches:,} | "
                f"{r.matches / self.days:.1f} / {busiest[1] if busiest else 0} | {busiest[0] if busiest else '—'} |"
            )
        out.append("")
        for r in (r for r in self.rules if r.status == "changed"):
            out += [
                f"#### `{r.key}` changed: now matches {r.newly_matched:,} audit(s) it did not, "
                f"no longer matches {r.no_longer_matched:,}",
                "",
            ]
            out += _sample_table("newly matched", r.newly_samples) + _sample_table(
                "no longer matched", r.no_longer_samples
            )
        sampled = [r for r in self.rules if r.samples]
        if sampled:
            out += ["<details><summary>Sample audits per rule</summary>", ""]
            for r in sampled:
                out += _sample_table(f"`{r.key}`", r.samples)
            out += ["</details>", ""]
        if failures:
            out += ["**Backtest failures:**", ""] + [f"- {f}" for f in failures] + [""]
        return "\n".join(out)

    def to_json(self, failures: Iterable[str] = ()) -> str:
        """Machine-readable."""
        return (
            json.dumps(
                {
                    "audits": self.audits,
                    "duplicates": self.duplicates,
                    "unreadable": self.unreadable,
                    "first": self.first,
                    "last": self.last,
                    "days": self.days,
                    "sources": self.sources,
                    "rules": [r.as_json() for r in self.rules],
                    "failures": list(failures),
                },
                indent=2,
            )
            + "\n"
        )


def _sample_table(title: str, samples: list[Sample]) -> list[str]:
    if not samples:
        return []
    rows = [f"{title}:", "", "| audit | time | action | entity | actor | changes |", "|---|---|---|---|---|---|"]
    for s in samples:
        cells = [s.id, s.time or "—", s.action or "—", s.entity, s.actor, "; ".join(s.changes) or "—"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return [*rows, ""]


def _when(event: dict[str, Any]) -> str | None:
    detail = event.get("detail")
    body = detail.get("eventBody") if isinstance(detail, dict) else None
    for value in (event.get("time"), body.get("eventTime") if isinstance(body, dict) else None):
        if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
            return value
    return None


def _identity(event: dict[str, Any]) -> str | None:
    detail = event.get("detail")
    body = detail.get("eventBody") if isinstance(detail, dict) else None
    audit_id = body.get("id") if isinstance(body, dict) else None
    if isinstance(audit_id, str) and audit_id:
        return f"audit:{audit_id}"
    return f"event:{event['id']}" if isinstance(event.get("id"), str) else None


def _rule_results(rules: list[Rule], base_rules: list[Rule] | None) -> dict[str, RuleResult]:
    """Each rule's entry, with its status against the base: added, removed, changed or unchanged."""
    results = {
        r.key: RuleResult(r.key, r.severity, r.title, "head" if base_rules is None else "unchanged") for r in rules
    }
    if base_rules is None:
        return results
    before = {r.key: r for r in base_rules}
    for r in rules:
        if r.key not in before:
            results[r.key].status = "added"
        elif before[r.key].event_pattern != r.event_pattern:
            results[r.key].status = "changed"
    for r in base_rules:
        if r.key not in results:
            results[r.key] = RuleResult(r.key, r.severity, r.title, "removed")
    return results


def run(
    rules: list[Rule],
    events: Iterable[Any],
    base_rules: list[Rule] | None = None,
    *,
    samples: int = DEFAULT_SAMPLES,
    since: datetime | None = None,
    until: datetime | None = None,
) -> BacktestResult:
    """Match `rules` (and `base_rules`) over the history items `events` (see the module docstring).

    Items whose event time falls outside [since, until) are left out when those are given. The
    result lists the head's rules in their order, then the base's removed ones.
    """
    head = RuleSet((r.key, r.event_pattern) for r in rules)
    base = None if base_rules is None else RuleSet((r.key, r.event_pattern) for r in base_rules)
    results = _rule_results(rules, base_rules)
    removed = [r for r in results.values() if r.status == "removed"]
    changed = [r for r in results.values() if r.status == "changed"]
    lowest, highest = (m.astimezone(UTC).isoformat()[:19] if m else None for m in (since, until))
    outcome = BacktestResult(rules=list(results.values()), has_base=base_rules is not None)
    seen: set[str] = set()
    for item in events:
        event = normalize(item)
        if event is None:
            outcome.unreadable += 1
            continue
        when = _when(event)
        if when and ((lowest and when[:19] < lowest) or (highest and when[:19] >= highest)):
            continue
        identity = _identity(event)
        if identity in seen:
            outcome.duplicates += 1
            continue
        if identity is not None:
            seen.add(identity)
        outcome.audits += 1
        if when:
            outcome.first = min(when, outcome.first or when)
            outcome.last = max(when, outcome.last or when)
        day = when[:10] if when else "unknown"
        now = set(head.matching(event))
        for key in now:
            _count(results[key], event, day, samples)
        if base is None:
            continue
        before = set(base.matching(event))
        for result in removed:
            if result.key in before:
                _count(result, event, day, samples)
        for result in changed:
            _compare(result, result.key in now, result.key in before, event, samples)
    return outcome


def _compare(result: RuleResult, now: bool, before: bool, event: dict[str, Any], samples: int) -> None:
    """A changed rule: count (and sample) the audits it now matches that it did not, and the reverse."""
    if now and not before:
        result.newly_matched += 1
        if len(result.newly_samples) < samples:
            result.newly_samples.append(Sample.of(event))
    elif before and not now:
        result.no_longer_matched += 1
        if len(result.no_longer_samples) < samples:
            result.no_longer_samples.append(Sample.of(event))


def _count(result: RuleResult, event: dict[str, Any], day: str, samples: int) -> None:
    result.matches += 1
    result.per_day[day] += 1
    if len(result.samples) < samples:
        result.samples.append(Sample.of(event))


# -- command line ----------------------------------------------------------------------------------


def _progress(message: str) -> None:
    sys.stderr.write(f"\r{message}   ")
    sys.stderr.flush()


@dataclass(frozen=True)
class History:
    """The history the command-line options name (--events, --log-group, --s3, --since, --until, --region),
    shared by `rules backtest` and `review`. The log group is read between `since` and `until` (log times);
    files and objects are filtered on the events' own times only when a period is given (`filtered`)."""

    args: argparse.Namespace
    since: datetime
    until: datetime
    filtered: bool

    @classmethod
    def of(cls, args: argparse.Namespace) -> History | None:
        """The history of `args`, or None when they name none; RulesError on a period that is no period."""
        if not (args.events or args.log_group or args.s3):
            return None
        until = parse_time(args.until) if args.until else datetime.now(UTC)
        since = parse_time(args.since, now=until) if args.since else until - timedelta(days=30)
        if since >= until:
            raise RulesError(f"--since {args.since} is not before --until {args.until or 'now'}")
        return cls(args, since, until, bool((args.events or args.s3) and (args.since or args.until)))

    def items(self) -> tuple[Iterator[Any], list[str]]:
        """The history items, read lazily, and a name for each source."""
        args, since, until = self.args, self.since, self.until
        sources: list[Iterator[Any]] = []
        names: list[str] = []
        if args.events:
            sources.append(read_files(args.events))
            names.append(str(args.events))
        if args.log_group or args.s3:
            import boto3

            if args.log_group:
                logs = boto3.client("logs", region_name=args.region)
                sources.append(read_log_group(logs, args.log_group, since, until, progress=_progress))
                names.append(f"log group {args.log_group} {since:%Y-%m-%dT%H:%MZ} to {until:%Y-%m-%dT%H:%MZ}")
            if args.s3:
                s3 = boto3.client("s3", region_name=args.region)
                sources.append(read_s3(s3, args.s3, _progress))
                names.append(args.s3)
        return (item for source in sources for item in source), names

    def run(self, rules: list[Rule], base_rules: list[Rule] | None = None, *,
            samples: int = DEFAULT_SAMPLES) -> BacktestResult:
        """`run` over this history, its sources named in the result."""
        items, names = self.items()
        result = run(rules, items, base_rules, samples=samples, since=self.since if self.filtered else None,
                     until=self.until if self.filtered else None)
        result.sources = names
        return result


def _cmd_backtest(args: argparse.Namespace) -> int:
    from genesys_audit_tools.rules import _variables, load_plan, rules_from_plan

    try:
        history = History.of(args)
        if history is None:
            raise RulesError("give the history: --log-group NAME, --events FILE_OR_DIR or --s3 s3://BUCKET/PREFIX")
        head = rules_from_plan(load_plan(args.plan, args.dir, _variables(args)))
        base = None
        if args.base_plan or args.base_dir:
            base = rules_from_plan(load_plan(args.base_plan, args.base_dir, _variables(args)))
        result = history.run(head, base, samples=args.samples)
    except (RulesError, ValueError) as exc:
        sys.stderr.write(f"genesys-audit rules backtest: {exc}\n")
        return 2
    except Exception as exc:  # botocore: credentials, access denied, throttling
        if type(exc).__module__.startswith("botocore"):
            sys.stderr.write(f"\ngenesys-audit rules backtest: reading the history failed: {exc}\n")
            return 2
        raise
    if args.log_group or args.s3:
        sys.stderr.write("\n")
    failures = result.failures(args.fail_if_pages_per_day, args.page_severity or PAGING_SEVERITIES)
    render = {"text": result.to_text, "markdown": result.to_markdown, "json": result.to_json}[args.format]
    text = render(failures)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    for failure in failures:
        sys.stderr.write(f"FAIL {failure}\n")
    return 1 if failures else 0


def register(rules_sub: Any) -> None:
    """Add `rules backtest` to the `rules` command."""
    from genesys_audit_tools.rules import _add_source_arguments

    parser = rules_sub.add_parser(
        "backtest",
        help="what the plan's rules (and a base's) would have matched in real history",
        description=(
            "Match the rules of a plan, and optionally of a base plan, over history: the trail log group, "
            "JSONL files (EventBridge events, Firehose/HEC events, Splunk exports; gzip accepted) or S3 "
            "objects. Prints per rule the matches, per day and sample audits; with a base, the rules "
            "added, removed and changed and what each changed rule now matches or no longer matches. "
            "Exit 1 when a --fail-if condition holds, 2 on bad input."
        ),
    )
    _add_source_arguments(parser)
    base = parser.add_mutually_exclusive_group()
    base.add_argument("--base-plan", metavar="PLAN.json", help="the base to compare with: a saved plan JSON")
    base.add_argument("--base-dir", metavar="DIR", help="the base to compare with: a directory to plan offline")
    parser.add_argument("--log-group", metavar="NAME", help="read the trail log group (CloudWatch Logs)")
    parser.add_argument("--since", metavar="TIME", help="start: ISO date/time (UTC) or e.g. 30d (default 30 days)")
    parser.add_argument("--until", metavar="TIME", help="end (exclusive): ISO date/time or e.g. 1d (default now)")
    parser.add_argument("--region", help="AWS region for --log-group and --s3 (default: the AWS config's)")
    parser.add_argument("--events", metavar="FILE_OR_DIR", help="JSONL file or directory of them (.gz accepted)")
    parser.add_argument("--s3", metavar="s3://BUCKET/PREFIX", help="JSONL objects (.gz accepted) under a prefix")
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, help="sample audits per rule (default 3)")
    parser.add_argument(
        "--fail-if-pages-per-day",
        type=int,
        metavar="N",
        help="exit 1 when a paging rule (--page-severity) matches more than N audits on some day",
    )
    parser.add_argument(
        "--page-severity",
        action="append",
        metavar="SEVERITY",
        help="severity that pages (repeatable; default CRITICAL)",
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    parser.set_defaults(func=_cmd_backtest)
