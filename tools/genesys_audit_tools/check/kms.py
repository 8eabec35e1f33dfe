"""KMS coverage: for every resource encrypted with a customer managed key created in the same plan, the
key policy grants the service principals that write or read it the actions AWS documents, with the
right conditions.

What each encrypted resource needs (AWS documentation):

- CloudWatch Logs log group: `logs.<region>.amazonaws.com` with kms:Encrypt*, Decrypt*, ReEncrypt*,
  GenerateDataKey*, Describe*, under a `kms:EncryptionContext:aws:logs:arn` condition naming the log
  group (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
- EventBridge archive: `events.amazonaws.com` with kms:GenerateDataKey, Decrypt, ReEncrypt* and
  DescribeKey (docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html).
- EventBridge event bus: `events.amazonaws.com` with kms:GenerateDataKey, Decrypt and DescribeKey
  (docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html).
- An SQS queue or SNS topic an EventBridge rule targets (or uses as dead-letter queue):
  `events.amazonaws.com` with kms:GenerateDataKey and Decrypt
  (docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html, "encrypted Amazon SQS
  queue" / "encrypted Amazon SNS topic").
- An SNS topic a CloudWatch alarm notifies: `cloudwatch.amazonaws.com` with kms:GenerateDataKey* and
  Decrypt (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, "encrypted
  topic").
- Firehose, DynamoDB, Lambda environment variables and S3 use the key with the calling role's
  credentials (grants): the key policy must let IAM policies govern it (the account principal allowed
  kms:*), or name those roles.

Targets: an EventBridge target that is an SQS queue, SNS topic, Lambda function or log group must not carry
a `role_arn`: EventBridge reaches those through their resource policies, and with a role "event delivery
may fail, particularly for Amazon SQS and Amazon SNS targets with AWS KMS encryption enabled"
(docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html).

Conditions: when a grant carries `kms:EncryptionContext:*` or `aws:SourceArn` conditions, their values
must match the resource (or the rules and alarms writing it); otherwise the grant never applies.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genesys_audit_tools.check.config import Configuration, config_address, module_path
from genesys_audit_tools.check.model import Report, as_list, document, named_resources, names, statements, strings
from genesys_audit_tools.harness import Plan, Resource

CHECK = "kms"

LOGS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                "kms:DescribeKey")
ARCHIVE_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey")
BUS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey")
TARGET_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")

# Resource type -> the attribute holding its key (a nested block path with dots).
ENCRYPTED: dict[str, str] = {
    "aws_cloudwatch_log_group": "kms_key_id",
    "aws_sqs_queue": "kms_master_key_id",
    "aws_sns_topic": "kms_master_key_id",
    "aws_cloudwatch_event_archive": "kms_key_identifier",
    "aws_cloudwatch_event_bus": "kms_key_identifier",
    "aws_kinesis_firehose_delivery_stream": "server_side_encryption",
    "aws_dynamodb_table": "server_side_encryption",
    "aws_lambda_function": "kms_key_arn",
    "aws_s3_bucket_server_side_encryption_configuration": "rule",
}


@dataclass(frozen=True)
class Need:
    """A service principal that must be granted actions, and the ARNs a condition on it must admit."""

    principal: str  # may hold a glob (logs.*.amazonaws.com when the region is unknown)
    actions: tuple[str, ...]
    why: str
    context: Mapping[str, tuple[str, ...]]  # lower-case condition key -> ARN globs it must match
    context_required: bool = False


def _allows(statement: dict[str, Any], principal: str, action: str) -> bool:
    if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotPrincipal" in statement:
        return False
    who = statement.get("Principal")
    services = [] if who == "*" else as_list(who.get("Service")) if isinstance(who, dict) else []
    if who != "*" and not any(fnmatch.fnmatch(str(s), principal) for s in services):
        return False
    return any(fnmatch.fnmatch(action.lower(), str(a).lower()) for a in as_list(statement.get("Action")))


def _conditions(statement: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for operator, keys in (statement.get("Condition") or {}).items():
        if isinstance(keys, dict) and not operator.startswith("Null"):
            for key, values in keys.items():
                found.setdefault(key.lower(), []).extend(str(v) for v in as_list(values))
    return found


def _arn_matches(pattern: str, arn: str) -> bool:
    return fnmatch.fnmatchcase(arn, pattern) or fnmatch.fnmatchcase(pattern, arn)


def _condition_problem(statement: dict[str, Any], need: Need) -> str | None:
    conditions = _conditions(statement)
    for key, expected in need.context.items():
        values = conditions.get(key)
        if values is None:
            if need.context_required:
                return f"no {key} condition"
            continue
        for arn in expected:
            if not any(_arn_matches(v, arn) for v in values):
                return f"its {key} condition ({', '.join(values)}) does not admit {arn}"
    return None


def missing(policy: Any, need: Need) -> list[str]:
    """What `policy` lacks for `need`: one line per action not granted (with the condition problem)."""
    problems = []
    for action in need.actions:
        granting = [s for s in statements(policy) if _allows(s, need.principal, action)]
        if not granting:
            problems.append(f"{action} is not granted")
            continue
        reasons = [_condition_problem(s, need) for s in granting]
        if all(reasons):
            problems.append(f"{action} is granted only where {reasons[0]}")
    return problems


# What a service acting with the caller's credentials needs the account (through IAM) to be allowed.
DELEGATED_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant")


def delegation_gaps(policy: Any) -> list[str]:
    """The DELEGATED_ACTIONS the key policy does not allow the account principal (so IAM cannot grant them)."""
    gaps = []
    for action in DELEGATED_ACTIONS:
        allowed = False
        for statement in statements(policy):
            who = statement.get("Principal")
            accounts = as_list(who.get("AWS")) if isinstance(who, dict) else []
            if statement.get("Effect") != "Allow" or "Condition" in statement:
                continue
            if any(str(a).endswith(":root") or str(a).isdigit() for a in accounts) and any(
                fnmatch.fnmatch(action.lower(), str(a).lower()) for a in as_list(statement.get("Action"))
            ):
                allowed = True
        if not allowed:
            gaps.append(action)
    return gaps


class _Arns:
    """Expected ARNs of planned resources, as condition globs (partition and account left open)."""

    def __init__(self, plan: Plan) -> None:
        self.named = {n.resource.address: n for n in named_resources(plan)}

    def of(self, resource: Resource) -> str | None:
        n = self.named.get(resource.address)
        if n is None:
            return None
        region = "" if n.service in ("iam", "s3") else (resource.region or "*")
        return f"arn:*:{n.service}:{region}:*:{n.part}"


def _writers(plan: Plan, resource: Resource, configuration: Configuration) -> tuple[list[Resource], list[Resource]]:
    """EventBridge rules targeting `resource` (or using it as DLQ) and CloudWatch alarms notifying it: by
    planned ARN, or by reference when the ARN is unknown until apply."""
    named = {n.resource.address: n for n in named_resources(plan)}.get(resource.address)
    if named is None:
        return [], []
    key = (module_path(resource), config_address(resource))
    rules = {r.values.get("name"): r for r in plan.resources("aws_cloudwatch_event_rule")}
    writing_rules: dict[str, Resource] = {}
    for target in plan.resources("aws_cloudwatch_event_target"):
        arns = [target.values.get("arn")] + [d.get("arn") for d in target.values.get("dead_letter_config") or []]
        referenced = any(
            key in configuration.attribute(target, attribute).resources
            for attribute in ("arn", "dead_letter_config")
            if target.unknown.get(attribute)
            or any(isinstance(d, dict) and d.get("arn") is None for d in target.values.get(attribute) or [])
        )
        if referenced or any(isinstance(a, str) and names(a, named) for a in arns):
            rule = rules.get(target.values.get("rule"))
            if rule is not None:
                writing_rules[rule.address] = rule
            else:
                writing_rules[target.address] = target
    alarms = [
        a for a in plan.resources("aws_cloudwatch_metric_alarm")
        if any(names(str(arn), named) for arn in strings([a.values.get("alarm_actions"), a.values.get("ok_actions")]))
    ]
    return list(writing_rules.values()), alarms


def needs(plan: Plan, resource: Resource, arns: _Arns, configuration: Configuration) -> list[Need]:
    """What the key of `resource` must grant."""
    arn = arns.of(resource)
    if resource.type == "aws_cloudwatch_log_group":
        region = resource.region or "*"
        return [Need(f"logs.{region}.amazonaws.com", LOGS_ACTIONS, "CloudWatch Logs encrypts the log group",
                     {"kms:encryptioncontext:aws:logs:arn": (arn,)} if arn else {}, context_required=True)]
    if resource.type in ("aws_cloudwatch_event_archive", "aws_cloudwatch_event_bus"):
        bus = resource.values.get("event_source_arn") if resource.type == "aws_cloudwatch_event_archive" else arn
        context: dict[str, tuple[str, ...]] = (
            {"kms:encryptioncontext:aws:events:event-bus:arn": (bus,)} if isinstance(bus, str) else {}
        )
        actions = ARCHIVE_ACTIONS if resource.type == "aws_cloudwatch_event_archive" else BUS_ACTIONS
        what = "archive" if resource.type == "aws_cloudwatch_event_archive" else "event bus"
        return [Need("events.amazonaws.com", actions, f"EventBridge encrypts the {what}", context)]
    if resource.type in ("aws_sqs_queue", "aws_sns_topic"):
        rules, alarms = _writers(plan, resource, configuration)
        found = []
        rule_arns = tuple(a for a in (arns.of(r) for r in rules) if a)
        if rules:
            found.append(Need("events.amazonaws.com", TARGET_ACTIONS,
                              f"EventBridge delivers to it from {len(rules)} rule(s)",
                              {"aws:sourcearn": rule_arns} if rule_arns else {}))
        if alarms and resource.type == "aws_sns_topic":
            found.append(Need("cloudwatch.amazonaws.com", TARGET_ACTIONS,
                              f"{len(alarms)} CloudWatch alarm(s) notify it", {}))
        return found
    return []


def _key_of(configuration: Configuration, resource: Resource, attribute: str, keys: list[Resource]) -> Resource | None:
    closure = configuration.values(resource, attribute)
    candidates = [k for k in keys if (module_path(k), config_address(k)) in closure.resources]
    if not candidates:
        return None

    def shared(key: Resource) -> int:
        a, b = resource.address, key.address
        return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))

    # Several candidates only where one expression picks between keys (a conditional): the nearest one.
    return max(candidates, key=shared)


def _encrypted(resource: Resource, attribute: str) -> bool:
    value = resource.values.get(attribute)
    if attribute in ("server_side_encryption", "rule"):
        return bool(resource.unknown.get(attribute)) or any(
            s in ("CUSTOMER_MANAGED_CMK", "aws:kms", "aws:kms:dsse") or (isinstance(s, str) and s.startswith("arn:"))
            for s in strings(value)
        )
    return value is not None or bool(resource.unknown.get(attribute))


RESOURCE_POLICY_TARGETS = ("sqs", "sns", "lambda", "logs")


def _target_roles(plan: Plan, report: Report) -> None:
    for target in plan.resources("aws_cloudwatch_event_target"):
        arn = target.values.get("arn")
        has_role = target.values.get("role_arn") or target.unknown.get("role_arn")
        service = arn.split(":")[2] if isinstance(arn, str) and arn.count(":") >= 5 else None
        if has_role and service in RESOURCE_POLICY_TARGETS:
            report.fail(CHECK, target.address, f"a {service} target with role_arn: EventBridge reaches {service} "
                        "targets through their resource policy, and with a role delivery may fail (above all to "
                        "KMS-encrypted queues and topics); remove role_arn")


def check(plan: Plan, report: Report, source: Path | None = None) -> None:
    _target_roles(plan, report)
    keys = plan.resources("aws_kms_key")
    if not keys:
        return
    configuration = Configuration(plan, source)
    if not configuration.present:
        report.notes.append("the plan JSON has no configuration section: KMS coverage not checked")
        return
    arns = _Arns(plan)
    for type_, attribute in ENCRYPTED.items():
        for resource in plan.resources(type_):
            if not _encrypted(resource, attribute):
                continue
            key = _key_of(configuration, resource, attribute, keys)
            if key is None:
                continue  # a key from outside this plan, or an AWS managed key
            found = document(key, "policy")
            if found is None or found[1] is None:
                report.notes.append(f"{key.address}: key policy unknown until apply, {resource.address} not checked")
                continue
            policy = found[1]
            report.checked["encrypted resources"] += 1
            required = needs(plan, resource, arns, configuration)
            gaps = [] if required else delegation_gaps(policy)
            if gaps:
                report.fail(CHECK, key.address, f"encrypts {resource.address}, whose service uses the key with the "
                            "caller's credentials, but the key policy does not allow the account (so no IAM "
                            f"policy can grant) {', '.join(gaps)}")
            for need in required:
                for problem in missing(policy, need):
                    report.fail(CHECK, key.address, f"encrypts {resource.address} ({need.why}) but for "
                                f"{need.principal}: {problem}")
