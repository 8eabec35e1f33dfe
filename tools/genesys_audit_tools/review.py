"""`genesys-audit review`: what a change does to the pipeline, as one Markdown document for a pull request.

Inputs: a base and a head, each a Terraform directory planned offline (`--base-dir`, `--dir`) or a saved
`terraform show -json` (`--base-plan`, `--plan`). Without a base, a single saved plan is read for the
actions Terraform recorded in `resource_changes` (a plan made against real state).

Between two offline plans, resources are compared by address: before = the base plan's planned values,
after = the head's. A resource whose address only the head has is created, one only the base has is
destroyed; one whose values differ is replaced when an attribute that forces a new resource changed (the
AWS provider's "forces new resource" attributes, per type in `FORCES_NEW`; for other types a change of
the resource's name), else updated in place.

The document: counts first; then, loudly, replacements and destructions of resources that hold data or
events; rule changes as pattern diffs in words and JSON, with their targets and the exclusions compiled
into the patterns; the plan-time AWS checks (`genesys-audit check`) and `rules lint` on the head; `rules
test` on the repository's event fixtures (base and head); with history (`--events`, `--log-group`,
`--s3`), the `rules backtest` summary of the base and head rules; then every resource change grouped by
module, in collapsed sections, in address order.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genesys_audit_tools import rules as rules_lib
from genesys_audit_tools.check.model import Report as CheckReport
from genesys_audit_tools.check.model import Violation
from genesys_audit_tools.harness import Plan, Resource

if TYPE_CHECKING:
    from genesys_audit_tools.backtest import BacktestResult

DEFAULT_EVENTS = "tests/fixtures/events"
_RECORD_PREFIX = ("detail", "eventBody")
_IGNORED_ATTRIBUTES = frozenset({"tags_all"})

# Attributes whose change makes the AWS provider destroy and re-create the resource ("Forces new
# resource" in the provider's documentation). Every AWS resource of provider v6 also has `region`.
FORCES_NEW: dict[str, frozenset[str]] = {
    "aws_cloudwatch_event_bus": frozenset({"name", "event_source_name"}),
    "aws_cloudwatch_event_bus_policy": frozenset({"event_bus_name"}),
    "aws_cloudwatch_event_archive": frozenset({"name", "event_source_arn"}),
    "aws_cloudwatch_event_rule": frozenset({"name", "name_prefix", "event_bus_name"}),
    "aws_cloudwatch_event_target": frozenset({"rule", "event_bus_name", "target_id"}),
    "aws_cloudwatch_log_group": frozenset({"name", "name_prefix", "log_group_class"}),
    "aws_cloudwatch_log_stream": frozenset({"name", "log_group_name"}),
    "aws_cloudwatch_log_resource_policy": frozenset({"policy_name"}),
    "aws_cloudwatch_metric_alarm": frozenset({"alarm_name"}),
    "aws_sqs_queue": frozenset({"name", "name_prefix", "fifo_queue"}),
    "aws_sqs_queue_policy": frozenset({"queue_url"}),
    "aws_sqs_queue_redrive_allow_policy": frozenset({"queue_url"}),
    "aws_sns_topic": frozenset({"name", "name_prefix", "fifo_topic"}),
    "aws_sns_topic_policy": frozenset({"arn"}),
    "aws_sns_topic_subscription": frozenset({"topic_arn", "protocol", "endpoint"}),
    "aws_kms_key": frozenset({"customer_master_key_spec", "key_usage", "multi_region", "custom_key_store_id"}),
    "aws_kms_alias": frozenset({"name", "name_prefix"}),
    "aws_dynamodb_table": frozenset({"name", "hash_key", "range_key"}),
    "aws_s3_bucket": frozenset({"bucket", "bucket_prefix", "object_lock_enabled"}),
    "aws_kinesis_firehose_delivery_stream": frozenset({"name", "destination"}),
    "aws_lambda_function": frozenset({"function_name"}),
    "aws_lambda_permission": frozenset(
        {"statement_id", "statement_id_prefix", "function_name", "action", "principal", "source_arn",
         "source_account", "qualifier", "event_source_token", "principal_org_id", "function_url_auth_type"}
    ),
    "aws_lambda_event_source_mapping": frozenset({"event_source_arn", "starting_position"}),
    "aws_lambda_function_event_invoke_config": frozenset({"function_name", "qualifier"}),
    "aws_iam_role": frozenset({"name", "name_prefix", "path"}),
    "aws_iam_role_policy": frozenset({"name", "name_prefix", "role"}),
    "aws_secretsmanager_secret": frozenset({"name", "name_prefix"}),
}
_S3_BUCKET_PARTS = frozenset({"bucket", "expected_bucket_owner"})
_NAME_ATTRIBUTES = frozenset({"name", "name_prefix", "bucket", "function_name", "alarm_name"})

# Resource types that hold data or events, and what replacing or destroying one loses.
LOSES: dict[str, str] = {
    "aws_cloudwatch_event_bus": "events in flight are lost, and the partner event source must be re-associated",
    "aws_cloudwatch_event_archive": "the archived events (the replay history) are deleted",
    "aws_cloudwatch_log_group": "its log events are deleted",
    "aws_sqs_queue": "the messages waiting in the queue are deleted",
    "aws_kms_key": "data encrypted with the key becomes unreadable once the key's deletion window ends",
    "aws_dynamodb_table": "its items are deleted",
    "aws_s3_bucket": "its objects are deleted (or the destroy fails while the bucket is not empty)",
    "aws_kinesis_firehose_delivery_stream": "records buffered in the stream are lost",
    "aws_sns_topic": "its subscriptions go with it (e-mail subscribers must confirm again)",
}

ACTIONS = ("replace", "delete", "update", "create")
_ACTION_WORDS = {"replace": "replaced", "delete": "destroyed", "update": "updated in place", "create": "created"}


class ReviewError(RuntimeError):
    """The review's inputs could not be read or planned."""


# -- resource changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceChange:
    """One resource that the change creates, updates, replaces or destroys."""

    address: str
    module: str
    type: str
    action: str
    attributes: tuple[str, ...] = ()
    replaced_because: tuple[str, ...] = ()
    through: str | None = None  # the replaced resource whose new identifiers force this one's replacement

    @property
    def loses(self) -> str | None:
        """What is lost, for a replaced or destroyed resource that holds data or events."""
        return LOSES.get(self.type) if self.action in ("replace", "delete") else None

    def as_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "module": self.module,
            "type": self.type,
            "action": self.action,
            "attributes": list(self.attributes),
            "replaced_because": list(self.replaced_because),
            "through": self.through,
            "loses": self.loses,
        }


def _module(resource: Resource) -> str:
    return resource.module_address or "(root)"


def _differing(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    keys = (set(before) | set(after)) - _IGNORED_ATTRIBUTES
    return tuple(sorted(k for k in keys if before.get(k) != after.get(k)))


def _forces_new(type_: str, attributes: Iterable[str]) -> tuple[str, ...]:
    if type_ in FORCES_NEW:
        forcing = FORCES_NEW[type_]
    elif type_.startswith("aws_s3_bucket_"):
        forcing = _S3_BUCKET_PARTS
    else:
        forcing = _NAME_ATTRIBUTES
    if type_.startswith("aws_"):
        forcing = forcing | {"region"}
    return tuple(a for a in attributes if a in forcing)


def _by_address(plan: Plan) -> dict[str, Resource]:
    return {r.address: r for r in plan.resources()}


def changes_between(base: Plan, head: Plan, source: str | None = None) -> list[ResourceChange]:
    """Resources compared by address: base's planned values before, head's after. `source` (the head's
    directory) lets the comparison follow references through module locals."""
    before, after = _by_address(base), _by_address(head)
    changes: dict[str, ResourceChange] = {}
    for address in sorted(set(before) | set(after)):
        old, new = before.get(address), after.get(address)
        if old is None and new is not None:
            changes[address] = ResourceChange(address, _module(new), new.type, "create")
        elif new is None and old is not None:
            changes[address] = ResourceChange(address, _module(old), old.type, "delete")
        elif old is not None and new is not None:
            differing = _differing(old.values, new.values)
            if differing:
                forcing = _forces_new(new.type, differing)
                action = "replace" if forcing else "update"
                changes[address] = ResourceChange(address, _module(new), new.type, action, differing, forcing)
    _propagate_replacements(changes, [after[a] for a in sorted(set(before) & set(after))], head, source)
    return [changes[a] for a in sorted(changes)]


def _propagate_replacements(
    changes: dict[str, ResourceChange], kept: list[Resource], head: Plan, source: str | None
) -> None:
    """A resource whose forcing attribute is unknown until apply and refers to a replaced resource (an S3
    bucket's versioning, when the bucket is renamed) is replaced with it: the new identifiers differ."""
    from genesys_audit_tools.check.config import Closure, Configuration, _references, config_address, module_path

    class Direct(Configuration):
        """References followed through variables, locals and outputs, but not into what a resource refers to."""

        def _whole(self, path: str, address: str, closure: Closure, seen: set[tuple[str, str]]) -> None:
            if not address.startswith("data."):
                closure.resources.add((path, address))

    config = Direct(head, Path(source) if source else None)
    if not config.present:
        return

    def refers_to(resource: Resource, attribute: str) -> set[tuple[str, str]]:
        item = config.resource(module_path(resource), config_address(resource)) or {}
        closure = Closure()
        references = _references((item.get("expressions") or {}).get(attribute))
        config._follow(module_path(resource), references, closure, set())
        return closure.resources

    replaced: dict[tuple[str, str], str] = {}
    by_address = {r.address: r for r in head.resources()}
    while True:
        for change in changes.values():
            if change.action == "replace" and change.address in by_address:
                resource = by_address[change.address]
                replaced.setdefault((module_path(resource), config_address(resource)), change.address)
        found = False
        for resource in kept:
            current = changes.get(resource.address)
            if current is not None and current.action == "replace":
                continue
            unknown = [a for a in _forces_new(resource.type, sorted(resource.unknown)) if resource.unknown[a] is True]
            for attribute in unknown:
                hits = sorted(replaced[key] for key in refers_to(resource, attribute) if key in replaced)
                if hits:
                    changes[resource.address] = ResourceChange(
                        resource.address, _module(resource), resource.type, "replace",
                        current.attributes if current else (), (attribute,), hits[0],
                    )
                    found = True
                    break
        if not found:
            return


def _action(actions: Sequence[str]) -> str | None:
    if "delete" in actions and "create" in actions:
        return "replace"
    for action in ("create", "update", "delete"):
        if action in actions:
            return action
    return None  # no-op, read


def changes_recorded(plan: Plan) -> list[ResourceChange]:
    """The actions a saved plan records in `resource_changes` (a plan made against real state)."""
    changes: list[ResourceChange] = []
    for item in sorted(plan.raw.get("resource_changes") or [], key=lambda rc: str(rc.get("address"))):
        if item.get("mode") != "managed":
            continue
        change = item.get("change") or {}
        action = _action(change.get("actions") or [])
        if action is None:
            continue
        before, after = change.get("before") or {}, change.get("after") or {}
        differing = _differing(before, after) if action in ("update", "replace") else ()
        forcing = tuple(
            ".".join(str(p) for p in path) for path in change.get("replace_paths") or [] if isinstance(path, list)
        )
        changes.append(
            ResourceChange(
                item["address"], item.get("module_address") or "(root)", item["type"], action, differing, forcing
            )
        )
    return changes


def _before_plan(plan: Plan) -> Plan:
    """The state a saved plan starts from, as a plan of its `before` values (for the rules it replaces)."""
    items = [
        {
            "address": rc["address"],
            "mode": rc["mode"],
            "type": rc["type"],
            "name": rc["name"],
            "index": rc.get("index"),
            "values": (rc.get("change") or {}).get("before"),
        }
        for rc in plan.raw.get("resource_changes") or []
        if rc.get("mode") == "managed" and (rc.get("change") or {}).get("before") is not None
    ]
    return Plan({"planned_values": {"root_module": {"resources": items}}})


# -- patterns in words -----------------------------------------------------------------------------


def _field(path: Sequence[str]) -> str:
    if tuple(path[:2]) == _RECORD_PREFIX and len(path) > 2:
        return ".".join(path[2:])
    return ".".join(path)


def _quote(values: Sequence[Any]) -> str:
    return ", ".join(json.dumps(v) if not isinstance(v, str) else v for v in values)


def _operator_words(spec: Mapping[str, Any]) -> str:  # noqa: PLR0911 - one return per operator
    (op, operand), *_ = spec.items()
    listed = operand if isinstance(operand, list) else [operand]
    if op == "anything-but":
        if isinstance(operand, dict):
            return "not " + _operator_words(operand)
        return f"not in [{_quote(listed)}]"
    words = {
        "prefix": "starting with",
        "suffix": "ending with",
        "equals-ignore-case": "equal (ignoring case) to",
        "wildcard": "matching",
        "cidr": "in",
    }
    if op in words:
        if isinstance(operand, dict):
            return f"{words[op]} (ignoring case) {_quote(list(operand.values()))}"
        return f"{words[op]} {_quote(listed)}"
    if op == "exists":
        return "present" if operand else "absent"
    if op == "numeric":
        return " and ".join(f"{listed[i]} {listed[i + 1]}" for i in range(0, len(listed) - 1, 2))
    return f"{op} {json.dumps(operand)}"


def _values_words(name: str, values: Sequence[Any]) -> tuple[str, str | None]:
    """(condition, exclusion): an `[{exists: false}, {anything-but: X}]` leaf reads as an exclusion."""
    plain = [v for v in values if not isinstance(v, dict)]
    operators = [v for v in values if isinstance(v, dict)]
    absent = [o for o in operators if o == {"exists": False}]
    negated = [o for o in operators if "anything-but" in o]
    if negated and len(absent) + len(negated) == len(values):
        parts = []
        for spec in negated:
            operand = spec["anything-but"]
            if isinstance(operand, dict):
                parts.append(f"{name} {_operator_words(operand)}")
            else:
                parts.append(f"{name} in [{_quote(operand if isinstance(operand, list) else [operand])}]")
        return "", " or ".join(parts)
    pieces = []
    if plain:
        pieces.append(f"{name} is {plain[0]!s}" if len(plain) == 1 else f"{name} is one of {_quote(plain)}")
    pieces += [f"{name} {_operator_words(o)}" for o in operators]
    text = " or ".join(pieces)
    return (f"({text})" if len(pieces) > 1 else text), None


def describe(pattern: Mapping[str, Any]) -> str:
    """An event pattern in words, e.g. `entityType is OAuthClient and action is one of Delete, Update;
    excluding clientId.id in [...]` (fields of the audit record are named without `detail.eventBody.`)."""
    conditions: list[str] = []
    exclusions: list[str] = []

    def walk(node: Mapping[str, Any], path: tuple[str, ...]) -> None:
        for key, value in node.items():
            if key == "$or" and isinstance(value, list):
                branches = [describe(b) for b in value if isinstance(b, dict)]
                conditions.append("either " + " or ".join(f"({b})" for b in branches))
            elif isinstance(value, list):
                name = _field((*path, key))
                if (*path, key) == ("detail-type",) and value == [rules_lib.AUDIT_DETAIL_TYPE]:
                    conditions.insert(0, "an audit event")
                    continue
                condition, exclusion = _values_words(name, value)
                if exclusion:
                    exclusions.append(exclusion)
                else:
                    conditions.append(condition)
            elif isinstance(value, dict):
                walk(value, (*path, key))

    walk(pattern, ())
    text = " and ".join(conditions) or "any event"
    return text + (f"; excluding {', '.join(exclusions)}" if exclusions else "")


def _items(values: Sequence[Any]) -> list[str]:
    """A leaf's values, one readable item each (`anything-but` lists split), for field-level diffs."""
    items: list[str] = []
    for value in values:
        if not isinstance(value, dict):
            items.append(value if isinstance(value, str) else json.dumps(value))
        elif value == {"exists": False}:
            items.append("(absent)")
        elif "anything-but" in value and isinstance(value["anything-but"], list):
            items += [f"not {v}" for v in value["anything-but"]]
        else:
            items.append(_operator_words(value))
    return items


def fields_of(pattern: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field -> readable items (what `pattern_diff` compares)."""
    found: dict[str, list[str]] = {}
    for path, values in rules_lib._leaves(pattern):
        found.setdefault(_field(path), []).extend(_items(values))
    return found


def pattern_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What changed, field by field, in words: `clientId.id: added not X; removed Y`."""
    old, new = fields_of(before), fields_of(after)
    lines = []
    for name in sorted(set(old) | set(new)):
        was, now = old.get(name, []), new.get(name, [])
        if was == now:
            continue
        added = [i for i in now if i not in was]
        removed = [i for i in was if i not in now]
        parts = []
        if not was:
            parts.append("new condition")
        if not now:
            parts.append("condition dropped")
        if added:
            parts.append("added " + ", ".join(_code(i) for i in added))
        if removed:
            parts.append("removed " + ", ".join(_code(i) for i in removed))
        lines.append(f"`{name}`: {'; '.join(parts) or 'order changed'}")
    return lines


def exclusions_of(pattern: Mapping[str, Any]) -> dict[str, set[str]]:
    """Field -> excluded values (`anything-but` lists and prefixes), as compiled into one pattern."""
    found: dict[str, set[str]] = {}
    for path, values in rules_lib._leaves(pattern):
        for value in values:
            if isinstance(value, dict) and "anything-but" in value:
                operand = value["anything-but"]
                if isinstance(operand, dict):
                    (op, inner), *_ = operand.items()
                    items = [f"{op} {v}" for v in (inner if isinstance(inner, list) else [inner])]
                else:
                    items = [str(v) for v in (operand if isinstance(operand, list) else [operand])]
                found.setdefault(_field(path), set()).update(items)
    return found


# -- rules -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One EventBridge target of a rule."""

    target_id: str
    address: str
    values: dict[str, Any]

    @property
    def arn(self) -> str:
        arn = self.values.get("arn")
        return str(arn) if arn else "(known after apply)"

    def summary(self) -> str:
        extras = [
            name
            for name, present in (
                ("input transformer", bool(self.values.get("input_transformer"))),
                ("role", bool(self.values.get("role_arn"))),
            )
            if present
        ]
        return f"`{self.target_id}` → {self.arn}" + (f" ({', '.join(extras)})" if extras else "")


@dataclass(frozen=True)
class RuleView:
    """A rule with what the review compares: pattern, severity, title, state, targets."""

    rule: rules_lib.Rule
    state: str
    targets: dict[str, Target]

    @property
    def key(self) -> str:
        return self.rule.key


def rule_views(plan: Plan) -> dict[str, RuleView]:
    """Every rule with a pattern, by key, with the targets that name it."""
    rules = rules_lib.rules_from_plan(plan.raw)
    by_name: dict[tuple[str | None, str | None], dict[str, Target]] = {}
    for resource in plan.resources("aws_cloudwatch_event_target"):
        values = resource.values
        target_id = str(values.get("target_id") or resource.index or resource.address)
        key = (values.get("region"), values.get("rule"))
        by_name.setdefault(key, {})[target_id] = Target(target_id, resource.address, values)
    views: dict[str, RuleView] = {}
    for rule in rules:
        values = plan.resource(rule.address).values
        state = str(values.get("state") or ("DISABLED" if values.get("is_enabled") is False else "ENABLED"))
        views[rule.key] = RuleView(rule, state, by_name.get((rule.region, rule.name), {}))
    return views


@dataclass
class RuleChange:
    """How one rule differs between base and head."""

    key: str
    status: str  # added | removed | changed
    before: RuleView | None
    after: RuleView | None
    fields: list[str] = field(default_factory=list)
    targets_added: list[Target] = field(default_factory=list)
    targets_removed: list[Target] = field(default_factory=list)
    targets_changed: list[tuple[Target, Target]] = field(default_factory=list)
    fixtures_gained: list[str] = field(default_factory=list)
    fixtures_lost: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def view(v: RuleView | None) -> dict[str, Any] | None:
            if v is None:
                return None
            return {
                **v.rule.as_json(),
                "state": v.state,
                "words": describe(v.rule.event_pattern),
                "targets": {t.target_id: t.arn for t in sorted(v.targets.values(), key=lambda t: t.target_id)},
            }

        return {
            "key": self.key,
            "status": self.status,
            "fields": self.fields,
            "before": view(self.before),
            "after": view(self.after),
            "targets_added": [t.target_id for t in self.targets_added],
            "targets_removed": [t.target_id for t in self.targets_removed],
            "targets_changed": [a.target_id for a, _ in self.targets_changed],
            "fixtures_gained": self.fixtures_gained,
            "fixtures_lost": self.fixtures_lost,
        }


def _rule_fields(before: RuleView, after: RuleView) -> list[str]:
    pairs = {
        "pattern": (before.rule.event_pattern, after.rule.event_pattern),
        "severity": (before.rule.severity, after.rule.severity),
        "title": (before.rule.title, after.rule.title),
        "state": (before.state, after.state),
        "bus": (before.rule.event_bus_name, after.rule.event_bus_name),
        "name": (before.rule.name, after.rule.name),
    }
    return [name for name, (old, new) in pairs.items() if old != new]


def rule_changes(base: Mapping[str, RuleView], head: Mapping[str, RuleView]) -> list[RuleChange]:
    """Rules added, removed and changed (pattern, severity, title, state, bus, name, targets), by key."""
    changes: list[RuleChange] = []
    for key in sorted(set(base) | set(head)):
        old, new = base.get(key), head.get(key)
        if old is None:
            added = list(new.targets.values()) if new else []
            changes.append(RuleChange(key, "added", None, new, targets_added=added))
            continue
        if new is None:
            changes.append(RuleChange(key, "removed", old, None, targets_removed=list(old.targets.values())))
            continue
        change = RuleChange(key, "changed", old, new, _rule_fields(old, new))
        change.targets_added = [t for k, t in sorted(new.targets.items()) if k not in old.targets]
        change.targets_removed = [t for k, t in sorted(old.targets.items()) if k not in new.targets]
        change.targets_changed = [
            (old.targets[k], t)
            for k, t in sorted(new.targets.items())
            if k in old.targets and _differing(old.targets[k].values, t.values)
        ]
        if change.fields or change.targets_added or change.targets_removed or change.targets_changed:
            changes.append(change)
    return changes


@dataclass(frozen=True)
class ExclusionChange:
    """A value that the head excludes from more (or fewer) rules than the base."""

    field: str
    value: str
    rules_before: int
    rules_after: int

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "rules_before": self.rules_before,
                "rules_after": self.rules_after}


def _exclusion_index(views: Mapping[str, RuleView]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for view in views.values():
        for name, values in exclusions_of(view.rule.event_pattern).items():
            for value in values:
                counts[(name, value)] = counts.get((name, value), 0) + 1
    return counts


def exclusion_changes(base: Mapping[str, RuleView], head: Mapping[str, RuleView]) -> list[ExclusionChange]:
    """Excluded values (client ids, users, networks, entity types...) whose rule count changed."""
    before, after = _exclusion_index(base), _exclusion_index(head)
    return [
        ExclusionChange(name, value, before.get((name, value), 0), after.get((name, value), 0))
        for name, value in sorted(set(before) | set(after))
        if before.get((name, value), 0) != after.get((name, value), 0)
    ]


# -- the review ------------------------------------------------------------------------------------


@dataclass
class Side:
    """One side of the review: a plan and where it came from."""

    plan: Plan
    label: str
    source_dir: str | None = None


# What the rules match in history: (head rules, base rules) -> `rules backtest`'s result.
Backtester = Callable[[list[rules_lib.Rule], list[rules_lib.Rule]], "BacktestResult"]


def _match_difference(
    before: rules_lib.Report | None, after: rules_lib.Report
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per rule: events the head matches that the base did not, and the reverse."""
    gained: dict[str, list[str]] = {}
    lost: dict[str, list[str]] = {}
    if before is None:
        return gained, lost
    for event in after.events:
        new, old = set(after.matches[event.id]), set(before.matches.get(event.id, []))
        for key in sorted(new - old):
            gained.setdefault(key, []).append(event.file)
        for key in sorted(old - new):
            lost.setdefault(key, []).append(event.file)
    return gained, lost


@dataclass
class Review:
    """Everything the document shows."""

    base_label: str
    head_label: str
    changes: list[ResourceChange]
    rules: list[RuleChange]
    exclusions: list[ExclusionChange]
    head_rule_count: int
    check_report: CheckReport
    lint: list[rules_lib.Finding]
    fixtures: rules_lib.Report | None
    fixtures_source: str | None
    history: BacktestResult | None = None
    history_failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    base_violations: set[tuple[str, str, str]] | None = None

    @property
    def new_violations(self) -> list[Violation]:
        """Check violations of the head that the base does not have (all of them without a base)."""
        known = self.base_violations or set()
        return [v for v in self.check_report.violations if (v.check, v.address, v.message) not in known]

    def count(self, action: str) -> int:
        return sum(c.action == action for c in self.changes)

    @property
    def loud(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.loses]

    @property
    def ok(self) -> bool:
        """No new AWS check violation (any, without a base), lint error or fixture expectation failure."""
        return (
            not self.new_violations
            and not any(f.level == "error" for f in self.lint)
            and not (self.fixtures and self.fixtures.failures)
            and not self.history_failures
        )


def build(
    base: Side | None,
    head: Side,
    *,
    events: str | None = DEFAULT_EVENTS,
    backtester: Backtester | None = None,
    run_checks: bool = True,
) -> Review:
    """Compare `base` with `head` (or read `head`'s recorded actions when there is no base); `backtester`
    runs the base and head rules over history (`history_backtester`)."""
    from genesys_audit_tools import check

    notes: list[str] = []
    if base is not None:
        changes = changes_between(base.plan, head.plan, head.source_dir)
        base_plan = base.plan
        notes.append(
            "Resources compared by address between two plans; a resource is shown as replaced when an attribute "
            "that forces a new resource in the AWS provider changed, or is unknown until apply and refers to a "
            "replaced resource."
        )
    else:
        changes = changes_recorded(head.plan)
        base_plan = _before_plan(head.plan)
    try:
        head_views = rule_views(head.plan)
        base_views = rule_views(base_plan)
    except rules_lib.RulesError as exc:
        raise ReviewError(str(exc)) from exc
    rule_diff = rule_changes(base_views, head_views)
    head_rules = [v.rule for v in head_views.values()]
    base_rules = [v.rule for v in base_views.values()]

    corpus = None
    fixtures = None
    if events:
        try:
            corpus = rules_lib.load_events(events)
        except rules_lib.RulesError as exc:
            notes.append(f"rules test skipped: {exc}")
    if corpus is not None and events is not None:
        expect = Path(events) / rules_lib.EXPECTATIONS_FILE if Path(events).is_dir() else None
        fixtures = rules_lib.evaluate(head_rules, corpus, rules_lib.load_expectations(expect))
        gained, lost = _match_difference(rules_lib.evaluate(base_rules, corpus, {}), fixtures)
        for change in rule_diff:
            change.fixtures_gained = gained.get(change.key, [])
            change.fixtures_lost = lost.get(change.key, [])

    base_violations: set[tuple[str, str, str]] | None = None
    if run_checks:
        check_report = check.run(head.plan, head.source_dir)
        if base is not None:
            base_report = check.run(base.plan, base.source_dir)
            base_violations = {(v.check, v.address, v.message) for v in base_report.violations}
    else:
        check_report = CheckReport()
        check_report.notes.append("the plan-time AWS checks were not run (--no-check)")
    findings = rules_lib.lint(head_rules, corpus)
    past = backtester(head_rules, base_rules) if backtester else None
    return Review(
        base.label if base else "(the state the plan starts from)",
        head.label,
        changes,
        rule_diff,
        exclusion_changes(base_views, head_views),
        len(head_rules),
        check_report,
        findings,
        fixtures,
        events if fixtures is not None else None,
        past,
        notes=notes,
        base_violations=base_violations,
    )


# -- Markdown --------------------------------------------------------------------------------------

MARKER = "<!-- genesys-audit-review -->"
# GitHub refuses comments longer than 65,536 characters.
COMMENT_LIMIT = 60_000
# More rules added (or removed) than this are listed by key, their details collapsed.
MANY_RULES = 8


def _details(summary: str, body: list[str], open_: bool = False) -> list[str]:
    return [f"<details{' open' if open_ else ''}><summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _pattern_block(pattern: Mapping[str, Any]) -> list[str]:
    return ["```json", json.dumps(pattern, sort_keys=True, separators=(",", ":")), "```"]


def _json_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The changed lines of the indented, key-sorted patterns (no context, no line numbers)."""
    import difflib

    old = json.dumps(before, indent=1, sort_keys=True).splitlines()
    new = json.dumps(after, indent=1, sort_keys=True).splitlines()
    return [
        line for line in difflib.unified_diff(old, new, lineterm="", n=0)
        if not line.startswith(("---", "+++", "@@"))
    ]


def _rule_body(change: RuleChange) -> list[str]:  # noqa: PLR0912 - one branch per rule field
    """The lines that say how one rule changed (without its name: rules changed alike share them)."""
    old, new = change.before, change.after
    out: list[str] = []
    if change.status == "added" and new:
        out.append(f"Matches: {describe(new.rule.event_pattern)}.")
    elif change.status == "removed" and old:
        out.append(f"No longer routed; it matched: {describe(old.rule.event_pattern)}.")
    elif old and new:
        for name in change.fields:
            if name == "pattern":
                out += [f"- pattern: {line}" for line in pattern_diff(old.rule.event_pattern, new.rule.event_pattern)]
            elif name == "severity":
                out.append(f"- severity: {old.rule.severity or '—'} → **{new.rule.severity or '—'}**")
            elif name == "title":
                out.append(f"- title: {old.rule.title or '—'} → {new.rule.title or '—'}")
            elif name == "state":
                out.append(f"- state: {old.state} → **{new.state}**")
            elif name == "bus":
                out.append(f"- bus: {old.rule.event_bus_name} → {new.rule.event_bus_name}")
            elif name == "name":
                out.append(f"- name: {old.rule.name} → {new.rule.name}")
    out += [f"- target added: {t.summary()}" for t in change.targets_added]
    out += [f"- target removed: {t.summary()}" for t in change.targets_removed]
    for before, after in change.targets_changed:
        out.append(f"- target changed: {after.summary()} ({', '.join(_differing(before.values, after.values))})")
    if change.fixtures_gained:
        out.append(f"- fixtures now matched: {', '.join(_code(f) for f in change.fixtures_gained)}")
    if change.fixtures_lost:
        out.append(f"- fixtures no longer matched: {', '.join(_code(f) for f in change.fixtures_lost)}")
    return out


def _rule_sections(changes: list[RuleChange]) -> list[str]:
    """Removed, added, then changed rules; rules that changed alike under one heading."""
    out: list[str] = []
    for status in ("removed", "added"):
        listed = [c for c in changes if c.status == status]
        blocks: list[str] = []
        for change in listed:
            view = change.after or change.before
            assert view is not None
            title = f": {view.rule.title}" if view.rule.title else ""
            severity = view.rule.severity or "no severity"
            blocks += [f"#### {status.upper()} {_code(change.key)} ({severity}){title}", ""]
            blocks += [*_rule_body(change), ""]
            blocks += _details("Pattern JSON", _pattern_block(view.rule.event_pattern))
        if len(listed) > MANY_RULES:  # a first deployment: the list in view, each rule collapsed
            out += [f"#### {len(listed)} rules {status}: {', '.join(_code(c.key) for c in listed)}", ""]
            out += _details(f"What each {status} rule matches, its targets and its pattern", blocks)
        else:
            out += blocks
    groups: dict[tuple[str, ...], list[RuleChange]] = {}
    for change in [c for c in changes if c.status == "changed"]:
        groups.setdefault(tuple(_rule_body(change)), []).append(change)
    for body, members in groups.items():
        names = ", ".join(_code(c.key) for c in members)
        count = f" ({len(members)} rules, changed alike)" if len(members) > 1 else ""
        out += [f"#### CHANGED {names}{count}", "", *body, ""]
        details: list[str] = []
        for change in members:
            assert change.after is not None and change.before is not None
            details.append(f"- {_code(change.key)} ({change.after.rule.severity or 'no severity'}) now matches: "
                           f"{describe(change.after.rule.event_pattern)}")
        diffs: dict[tuple[str, ...], list[str]] = {}
        for change in members:
            assert change.after is not None and change.before is not None
            diff = tuple(_json_diff(change.before.rule.event_pattern, change.after.rule.event_pattern))
            if diff:
                diffs.setdefault(diff, []).append(change.key)
        for diff, keys in diffs.items():
            details += ["", f"Pattern JSON diff ({', '.join(keys)}):", "```diff", *diff, "```"]
        out += _details("What it now matches, in words and JSON", details)
    return out


def _change_line(change: ResourceChange) -> str:
    line = f"- {_code(change.address)}"
    if change.replaced_because:
        line += f" — forced by {', '.join(_code(a) for a in change.replaced_because)}"
        if change.through:
            line += f" (refers to the replaced {_code(change.through)})"
    elif change.attributes:
        shown = change.attributes[:6]
        line += f" — {', '.join(_code(a) for a in shown)}" + (
            f" and {len(change.attributes) - 6} more" if len(change.attributes) > 6 else ""
        )
    return line


def format_markdown(review: Review, limit: int = COMMENT_LIMIT) -> str:
    """The PR comment; the per-module resource lists are shortened when the document would pass `limit`."""
    text = _markdown(review, full=True)
    return text if len(text) <= limit else _markdown(review, full=False)


def _markdown(review: Review, full: bool) -> str:  # noqa: PLR0912, PLR0915 - the document, top to bottom
    from genesys_audit_tools import check

    counts = {a: review.count(a) for a in ACTIONS}
    out = [MARKER, "## genesys-audit review", ""]
    out.append(f"**{review.base_label}** → **{review.head_label}**")
    out.append("")
    out.append(
        "| replaced | destroyed | updated in place | created | rule changes | checks | lint | fixtures |"
    )
    out.append("|---|---|---|---|---|---|---|---|")
    lint_errors = sum(f.level == "error" for f in review.lint)
    lint_warnings = len(review.lint) - lint_errors
    violations = len(review.check_report.violations)
    checks = (f"{len(review.new_violations)} new violation(s)" if review.base_violations is not None
              else f"{violations} violation(s)")
    fixtures = (
        "not run" if review.fixtures is None
        else (f"{len(review.fixtures.failures)} failing" if review.fixtures.failures else "all hold")
    )
    out.append(
        f"| {counts['replace']} | {counts['delete']} | {counts['update']} | {counts['create']} | "
        f"{len(review.rules)} | {checks} | "
        f"{lint_errors} error(s), {lint_warnings} warning(s) | {fixtures} |"
    )
    out.append("")

    loud = review.loud
    if loud:
        out += [f"### :warning: {len(loud)} resource(s) holding data or events replaced or destroyed", ""]
        for change in sorted(loud, key=lambda c: (ACTIONS.index(c.action), c.address)):
            verb = _ACTION_WORDS[change.action].upper()
            forced = ", ".join(_code(a) for a in change.replaced_because)
            reason = f" (forced by {forced})" if forced else ""
            out.append(f"- **{verb}** {_code(change.address)}{reason}: {change.loses}.")
        out.append("")

    out += ["### Rules", ""]
    by_status = {s: [c for c in review.rules if c.status == s] for s in ("added", "removed", "changed")}
    out.append(
        f"{review.head_rule_count} rules in the head: {len(by_status['added'])} added, "
        f"{len(by_status['removed'])} removed, {len(by_status['changed'])} changed."
    )
    out.append("")
    out += _rule_sections(review.rules)
    if review.exclusions:
        out += ["#### Exclusions compiled into the patterns", "", "| field | value | rules before | rules after |",
                "|---|---|---|---|"]
        for ex in review.exclusions:
            out.append(f"| `{ex.field}` | `{ex.value}` | {ex.rules_before} | {ex.rules_after} |")
        out.append("")

    out += ["### Plan-time AWS checks (`genesys-audit check`)", ""]
    report = review.check_report
    if review.base_violations is not None:
        new = CheckReport(list(review.new_violations), [], report.checked, report.seconds)
        out += [f"**{len(new.violations)} new violation(s)** in this change ({len(report.violations)} on the head, "
                f"{len(report.violations) - len(new.violations)} already on the base).", ""]
        report = new
    text = check.format_report(report).rstrip().splitlines()
    out += _details(text[-1], ["```text", *text[:-1], "```"], open_=True) if len(text) > 1 else [text[-1], ""]
    out += [f"- note: {n}" for n in review.check_report.notes] + [""]

    out += ["### `rules lint`", ""]
    out += [f"- {f.level}: {_code(f.rule)}: {f.message}" for f in review.lint] or ["No finding."]
    out.append("")

    out += ["### `rules test` on the fixtures", ""]
    if review.fixtures is None:
        out += [f"Not run: no event fixtures (give --fixtures; the default is {_code(DEFAULT_EVENTS)}).", ""]
    else:
        fx = review.fixtures
        out.append(f"{_code(review.fixtures_source or '')}: {rules_lib._totals(fx)}.")
        out += [f"- FAIL {f}" for f in fx.failures]
        out.append("")
        rows = ["| rule | severity | fixtures matched |", "|---|---|---|"] + [
            f"| `{r.key}` | {r.severity or '—'} | {fx.count(r)} |" for r in fx.rules
        ]
        out += _details("Matches per rule", rows)

    if review.history is not None:
        # The backtest's own Markdown: its headline and rule changes in view, its tables collapsed.
        lines = review.history.to_markdown().rstrip().splitlines()
        table = next((i for i, line in enumerate(lines) if line.startswith("| rule |")), len(lines))
        out += lines[:table]
        out += [f"- **FAIL** {f}" for f in review.history_failures] + ([""] if review.history_failures else [])
        if lines[table:]:
            out += _details("Matches per rule, per day, and sample audits", lines[table:])

    out += ["### Resource changes by module", ""]
    modules = sorted({c.module for c in review.changes})
    if not modules:
        out += ["No resource changes.", ""]
    for module in modules:
        in_module = [c for c in review.changes if c.module == module]
        summary = ", ".join(
            f"{n} {_ACTION_WORDS[a]}" for a in ACTIONS if (n := sum(c.action == a for c in in_module))
        )
        body: list[str] = []
        if not full:
            out.append(f"- {_code(module)}: {summary}")
            continue
        for action in ACTIONS:
            listed = [c for c in in_module if c.action == action]
            if listed:
                body += [f"**{_ACTION_WORDS[action]}**", "", *(_change_line(c) for c in listed), ""]
        out += _details(f"{_code(module)}: {summary}", body)
    if not full:
        out += ["", "_The resource lists were left out to fit one comment; `--format json` has them all._"]
    out += ["", *(f"_{n}_" for n in review.notes)]
    return "\n".join(out).rstrip() + "\n"


def format_json(review: Review) -> str:
    """The same content for machines."""
    fixtures = review.fixtures
    document = {
        "base": review.base_label,
        "head": review.head_label,
        "counts": {_ACTION_WORDS[a]: review.count(a) for a in ACTIONS},
        "loses_data": [c.as_json() for c in review.loud],
        "resource_changes": [c.as_json() for c in review.changes],
        "rules": [c.as_json() for c in review.rules],
        "exclusions": [e.as_json() for e in review.exclusions],
        "checks": {
            "violations": [{"check": v.check, "address": v.address, "message": v.message}
                           for v in review.check_report.violations],
            "notes": review.check_report.notes,
            "new": [{"check": v.check, "address": v.address, "message": v.message} for v in review.new_violations],
        },
        "lint": [{"rule": f.rule, "level": f.level, "message": f.message} for f in review.lint],
        "fixtures": None if fixtures is None else {
            "source": review.fixtures_source,
            "events": len(fixtures.events),
            "failures": fixtures.failures,
            "matches_per_rule": {r.key: fixtures.count(r) for r in fixtures.rules},
        },
        "history": None if review.history is None else json.loads(review.history.to_json(review.history_failures)),
        "ok": review.ok,
    }
    return json.dumps(document, indent=2) + "\n"


# -- command line ----------------------------------------------------------------------------------


def _side(plan_file: str | None, directory: str | None, variables: Mapping[str, Any], what: str) -> Side | None:
    from genesys_audit_tools import harness

    if plan_file:
        try:
            raw = json.loads(Path(plan_file).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ReviewError(
                f"cannot read the {what} plan {plan_file} ({exc}); give the output of `terraform show -json "
                "PLANFILE` or `genesys-audit plan DIR --json OUT`"
            ) from exc
        if not isinstance(raw, dict) or "planned_values" not in raw:
            raise ReviewError(f"{plan_file} is not a `terraform show -json` plan (no planned_values)")
        return Side(Plan(raw), plan_file)
    if directory:
        if not Path(directory).is_dir():
            raise ReviewError(f"the {what} directory {directory} does not exist; give a Terraform root module")
        sys.stderr.write(f"genesys-audit review: planning the {what}, {directory} ...\n")
        outcome = harness.try_plan(directory, variables)
        if not outcome.ok or outcome.plan is None:
            raise ReviewError(f"the {what} directory {directory} did not plan:\n{outcome.output.rstrip()}")
        sys.stderr.write(f"genesys-audit review: planned the {what} in {outcome.seconds:.1f} s.\n")
        return Side(outcome.plan, directory, directory)
    return None


def history_backtester(args: argparse.Namespace) -> Backtester | None:
    """`rules backtest` over the history the arguments name (--events, --log-group, --s3, --since, --until,
    --region; the same options and the same period rules as `rules backtest`), or None without history."""
    from genesys_audit_tools import backtest

    if args.events and not Path(args.events).exists():  # before the plans, not after
        raise ReviewError(f"--events {args.events} does not exist; give a JSONL file of audits or a directory of them")
    history = backtest.History.of(args)
    if history is None:
        return None

    def run(head: list[rules_lib.Rule], base: list[rules_lib.Rule]) -> BacktestResult:
        return history.run(head, base)

    return run


def _cmd_review(args: argparse.Namespace) -> int:
    from genesys_audit_tools import backtest
    from genesys_audit_tools.harness import parse_var

    if not args.no_check and (args.dir or args.base_dir):  # load the checks' models while Terraform plans
        import threading

        from genesys_audit_tools import check

        threading.Thread(target=check.warm, daemon=True).start()
    try:
        variables = dict(parse_var(v) for v in args.var)
        base_variables = dict(parse_var(v) for v in args.base_var) if args.base_var else variables
        if args.fixtures and not Path(args.fixtures).exists():
            raise ReviewError(f"--fixtures {args.fixtures} does not exist; give a directory of events with its "
                              f"{rules_lib.EXPECTATIONS_FILE}, or a JSONL file")
        backtester = history_backtester(args)
        head = _side(args.plan, args.dir, variables, "head")
        if head is not None and args.source:
            head.source_dir = args.source
        base = _side(args.base_plan, args.base_dir, base_variables, "base")
        if base is not None and (args.base_source or args.source) and base.source_dir is None:
            base.source_dir = args.base_source or args.source
        assert head is not None  # the parser requires --plan or --dir
        events = args.fixtures or (DEFAULT_EVENTS if Path(DEFAULT_EVENTS).is_dir() else None)
        review = build(base, head, events=events, backtester=backtester, run_checks=not args.no_check)
    except (ReviewError, rules_lib.RulesError, argparse.ArgumentTypeError, ValueError) as exc:
        sys.stderr.write(f"genesys-audit review: {exc}\n")
        return 2
    except Exception as exc:  # botocore, reading the history: credentials, access denied, throttling
        if type(exc).__module__.startswith("botocore"):
            sys.stderr.write(f"\ngenesys-audit review: reading the history failed: {exc}\n")
            return 2
        raise
    if review.history is not None:
        severities = args.page_severity or backtest.PAGING_SEVERITIES
        review.history_failures = review.history.failures(args.fail_if_pages_per_day, severities)
    text = format_json(review) if args.format == "json" else format_markdown(review)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0 if review.ok or not args.fail_on_findings else 1


def register(sub: Any) -> None:
    """Add `review` to the CLI."""
    parser = sub.add_parser(
        "review",
        help="review a change for a pull request: resources, rules, checks, fixtures (Markdown or JSON)",
        description=(
            "Compare a base and a head (Terraform directories planned offline, or saved `terraform show -json` "
            "plans) and write one Markdown document for a PR comment: resources replaced or destroyed that hold "
            "data or events first, rule pattern diffs in words and JSON, targets and exclusions, the plan-time "
            "AWS checks, `rules lint`, `rules test` on the fixtures and, with history (--events, --log-group, --s3), "
            "the `rules backtest` summary. With --plan alone, the actions recorded in the plan (made against real "
            "state) are used. Exit 2 when an input cannot be read or planned."
        ),
    )
    head = parser.add_mutually_exclusive_group(required=True)
    head.add_argument("--dir", metavar="DIR", help="the head: a Terraform root module to plan offline")
    head.add_argument("--plan", metavar="PLAN.json", help="the head: a saved `terraform show -json`")
    base = parser.add_mutually_exclusive_group()
    base.add_argument("--base-dir", metavar="DIR", help="the base: a Terraform root module to plan offline")
    base.add_argument("--base-plan", metavar="PLAN.json", help="the base: a saved `terraform show -json`")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="root variable for the planned directories (JSON when it parses; repeatable)")
    parser.add_argument("--base-var", action="append", default=[], metavar="NAME=VALUE",
                        help="root variable for --base-dir only (default: the --var values)")
    parser.add_argument("--fixtures", metavar="DIR_OR_JSONL",
                        help=f"event fixtures for `rules test`, with expectations.json (default: {DEFAULT_EVENTS} "
                        "when it exists)")
    history = parser.add_argument_group("history", "what the base and head rules match in real history, as "
                                        "`genesys-audit rules backtest` reads it")
    history.add_argument("--events", metavar="FILE_OR_DIR",
                         help="JSONL files of audits (EventBridge events, Firehose/HEC events, Splunk exports; .gz)")
    history.add_argument("--log-group", metavar="NAME", help="the trail log group (CloudWatch Logs)")
    history.add_argument("--s3", metavar="s3://BUCKET/PREFIX", help="JSONL objects (.gz accepted) under a prefix")
    history.add_argument("--since", metavar="TIME", help="start: ISO date/time (UTC) or e.g. 30d (default 30 days)")
    history.add_argument("--until", metavar="TIME", help="end (exclusive): ISO date/time or e.g. 1d (default now)")
    history.add_argument("--region", help="AWS region for --log-group and --s3 (default: the AWS config's)")
    history.add_argument("--fail-if-pages-per-day", type=int, metavar="N",
                         help="with --fail-on-findings: fail when a paging rule matches more than N audits a day")
    history.add_argument("--page-severity", action="append", metavar="SEVERITY",
                         help="severity that pages (repeatable; default CRITICAL)")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--output", metavar="FILE", help="write the document here instead of stdout")
    parser.add_argument("--source", metavar="DIR", help="with --plan: the planned directory, for the checks "
                        "to follow values through module locals (default: --dir)")
    parser.add_argument("--base-source", metavar="DIR", help="with --base-plan: the base's planned directory "
                        "(default: --source)")
    parser.add_argument("--no-check", action="store_true", help="skip the plan-time AWS checks")
    parser.add_argument("--fail-on-findings", action="store_true",
                        help="exit 1 when the change adds check violations (without a base: the head has any), or "
                        "the head has lint errors or failing fixtures")
    parser.set_defaults(func=_cmd_review)
