"""The report the checks fill, and helpers shared by them (policy documents, ARNs of planned resources)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from genesys_audit_tools.harness import Plan, Resource


@dataclass(frozen=True)
class Violation:
    """One thing AWS would refuse (or that would break at run time), on one planned resource."""

    check: str
    address: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.address}: {self.message}"


@dataclass
class Report:
    """What the checks found; `notes` say what could not be checked and why."""

    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def fail(self, check: str, address: str, message: str) -> None:
        self.violations.append(Violation(check, address, message))

    @property
    def ok(self) -> bool:
        return not self.violations


def compact(document: Any) -> str:
    """JSON without insignificant whitespace: how a policy is measured (IAM does not count whitespace, and
    the AWS provider sends documents normalized)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def document(resource: Resource, attribute: str) -> tuple[str, Any] | None:
    """`(raw, decoded)` of a JSON document attribute, or None when it is unset or unknown until apply."""
    raw = resource.values.get(attribute)
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return raw, json.loads(raw)
    except json.JSONDecodeError:
        return raw, None


def strings(value: Any) -> Iterator[str]:
    """Every string inside a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


# How each resource type appears in an ARN: service, and the resource part from planned values.
_ARN_PARTS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "aws_cloudwatch_event_rule": ("events", lambda v: f"rule/{v.get('name')}"
                                  if (v.get("event_bus_name") or "default") == "default"
                                  else f"rule/{v.get('event_bus_name')}/{v.get('name')}"),
    "aws_cloudwatch_event_bus": ("events", lambda v: f"event-bus/{v.get('name')}"),
    "aws_cloudwatch_event_archive": ("events", lambda v: f"archive/{v.get('name')}"),
    "aws_sqs_queue": ("sqs", lambda v: str(v.get("name"))),
    "aws_sns_topic": ("sns", lambda v: str(v.get("name"))),
    "aws_lambda_function": ("lambda", lambda v: f"function:{v.get('function_name')}"),
    "aws_cloudwatch_log_group": ("logs", lambda v: f"log-group:{v.get('name')}"),
    "aws_kinesis_firehose_delivery_stream": ("firehose", lambda v: f"deliverystream/{v.get('name')}"),
    "aws_iam_role": ("iam", lambda v: f"role{v.get('path') or '/'}{v.get('name')}"),
    "aws_dynamodb_table": ("dynamodb", lambda v: f"table/{v.get('name')}"),
    "aws_s3_bucket": ("s3", lambda v: str(v.get("bucket"))),
}


def _arn_resource(resource: Resource) -> tuple[str, str] | None:
    found = _ARN_PARTS.get(resource.type)
    return (found[0], found[1](resource.values)) if found else None


@dataclass(frozen=True)
class Named:
    """A planned resource as other documents name it."""

    resource: Resource
    service: str
    part: str


def named_resources(plan: Plan) -> list[Named]:
    """Planned resources whose ARN can be predicted from their planned name."""
    found = []
    for resource in plan.resources():
        arn = _arn_resource(resource)
        if arn and "None" not in arn[1]:
            found.append(Named(resource, *arn))
    return found


def names(text: str, named: Named) -> bool:
    """Whether the ARN `text` (trailing `:*` or `/*` allowed) is the ARN of `named`."""
    if not text.startswith("arn:"):
        return False
    parts = text.split(":", 5)
    if len(parts) < 6 or parts[2] != named.service:
        return False
    region = named.resource.region
    if region and parts[3] and parts[3] != region:
        return False
    part = parts[5]
    for suffix in (":*", "/*"):
        if part.endswith(suffix) and part[: -len(suffix)] == named.part:
            return True
    return part == named.part
