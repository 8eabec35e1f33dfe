"""Ordering: a target, permission, subscription or resource policy that names a resource created in the same
plan must reference it wherever AWS resolves the name when the call is made, so Terraform makes the calls
in order (PutRule before PutTargets, the function before AddPermission, the role before a policy that
names it as Principal) and replaces them together.

A planned value "names" a resource when it is the resource's name (a target's `rule`, a permission's
`function_name`, a queue URL) or its ARN (predicted from the planned name, see `model.named_resources`).

What AWS resolves, and so what is checked: every ARN or name a target carries (rule, target, DLQ, role);
the function a permission, mapping or subscription attaches to and its source queue or topic; the resource
a policy attaches to, and the IAM principals (`Principal.AWS`) of a resource policy, which SQS, SNS, S3,
EventBridge and KMS validate when the policy is set. ARNs in a policy's Resource and Condition elements
and a permission's `source_arn` are plain strings AWS does not look up: building them from names keeps
the documents known at plan time, so their quotas can be measured, and is not reported. KMS key policies
are not checked: the key must exist before what it encrypts (a reference would be a cycle).
"""

from __future__ import annotations

from pathlib import Path

from genesys_audit_tools.check.config import Configuration, config_address, module_path
from genesys_audit_tools.check.model import (
    Named,
    Report,
    as_list,
    document,
    named_resources,
    names,
    statements,
    strings,
)
from genesys_audit_tools.harness import Plan, Resource

CHECK = "ordering"

# Resource type -> attributes whose planned values may name other planned resources.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_cloudwatch_event_target": ("rule", "arn", "dead_letter_config", "role_arn"),
    "aws_lambda_permission": ("function_name",),
    "aws_lambda_event_source_mapping": ("function_name", "event_source_arn"),
    "aws_sns_topic_subscription": ("topic_arn", "endpoint"),
    "aws_sqs_queue_policy": ("queue_url", "policy"),
    "aws_sns_topic_policy": ("arn", "policy"),
    "aws_cloudwatch_event_bus_policy": ("event_bus_name", "policy"),
    "aws_s3_bucket_policy": ("bucket", "policy"),
}


# Attribute -> the resource types its plain (non-ARN) value may name.
_PLAIN_NAMES: dict[str, tuple[str, ...]] = {
    "rule": ("aws_cloudwatch_event_rule",),
    "function_name": ("aws_lambda_function",),
    "queue_url": ("aws_sqs_queue",),
    "event_bus_name": ("aws_cloudwatch_event_bus",),
    "bucket": ("aws_s3_bucket",),
}


def _by_name(value: str, resource: Resource, attribute: str, named: Named) -> bool:
    """Whether `value`, the plain name (or URL) in `attribute` of `resource`, is the name of `named`."""
    v, type_ = named.resource.values, named.resource.type
    if type_ not in _PLAIN_NAMES.get(attribute, ()):
        return False
    if type_ == "aws_cloudwatch_event_rule":
        same_bus = (v.get("event_bus_name") or "default") == (resource.values.get("event_bus_name") or "default")
        return value == v.get("name") and same_bus
    if type_ == "aws_lambda_function":
        return value == v.get("function_name")
    if type_ == "aws_sqs_queue":
        return value.startswith("https://") and value.endswith(f"/{v.get('name')}")
    return value in (v.get("name"), v.get("bucket"))


def _named_by(value: str, resource: Resource, attribute: str, candidates: list[Named]) -> list[Named]:
    return [
        n for n in candidates
        if n.resource.address != resource.address and (names(value, n) or _by_name(value, resource, attribute, n))
    ]


def _values(resource: Resource, attribute: str) -> list[str]:
    if attribute == "policy":  # the IAM principals only, see the module docstring
        found = document(resource, attribute)
        principals = [s.get("Principal") for s in statements(found[1])] if found else []
        return [arn for p in principals if isinstance(p, dict) for arn in as_list(p.get("AWS"))
                if isinstance(arn, str)]
    return list(strings(resource.values.get(attribute)))


def check(plan: Plan, report: Report, source: Path | None = None) -> None:
    configuration = Configuration(plan, source)
    if not configuration.present:
        report.notes.append("the plan JSON has no configuration section: ordering not checked")
        return
    candidates = named_resources(plan)
    for type_, attributes in ATTRIBUTES.items():
        for resource in plan.resources(type_):
            for attribute in attributes:
                named: dict[str, Named] = {}
                for value in _values(resource, attribute):
                    for n in _named_by(value, resource, attribute, candidates):
                        named[n.resource.address] = n
                if not named:
                    continue
                closure = configuration.attribute(resource, attribute)
                for n in named.values():
                    report.checked["references followed"] += 1
                    key = (module_path(n.resource), config_address(n.resource))
                    if key in closure.resources:
                        continue
                    through = f" (its value comes through {', '.join(sorted(closure.locals))}, which the plan " \
                        "does not describe)" if closure.locals else ""
                    report.fail(
                        CHECK, resource.address,
                        f"{attribute} names {n.resource.address} but does not reference it{through}: Terraform "
                        "may make the calls in either order; reference the resource's attribute (or pass it "
                        "through a variable or output) instead of rebuilding its name",
                    )


