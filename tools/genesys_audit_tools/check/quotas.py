"""Quotas AWS enforces on documents the provider schema types as plain strings.

Each limit is one named setting with its AWS source, so a raised quota is one change. Sizes are measured
on the compact JSON (no whitespace between tokens): IAM says it does not count whitespace, and the AWS
provider normalizes policy and pattern JSON before sending it. Byte quotas count UTF-8 bytes, character
quotas count characters.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from genesys_audit_tools.check.model import Report, as_list, compact, document, statements
from genesys_audit_tools.harness import Plan, Resource

# IAM and AWS STS quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
# ("Role trust policy length 2,048 characters", adjustable to 4,096; "Role policy size cannot exceed
# 10,240 characters" for all inline policies of one role together; "Managed policy length 6,144
# characters"; "IAM does not count white space when calculating the size of a policy").
IAM_TRUST_POLICY_CHARS = 2_048
IAM_ROLE_INLINE_POLICIES_CHARS = 10_240
IAM_MANAGED_POLICY_CHARS = 6_144

# CloudWatch Logs resource policies: 5,120 characters each, at most 10 per account and Region.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-resourcepolicy.html
# (PolicyDocument "Maximum: 5120"), https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html
# ("CloudWatch Logs resource policies are limited to 5120 characters") and
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html ("An
# account can have up to 10 resource policies per AWS Region"). botocore's model now allows 51,200 for
# policyDocument; the documented 5,120 is kept until AWS documents the raise.
LOGS_RESOURCE_POLICY_CHARS = 5_120
LOGS_RESOURCE_POLICIES_PER_REGION = 10

# Amazon SQS policy quotas,
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html
SQS_POLICY_BYTES = 8_192
SQS_POLICY_STATEMENTS = 20
SQS_POLICY_CONDITIONS = 10
SQS_POLICY_PRINCIPALS = 50
SQS_POLICY_ACTIONS_PER_STATEMENT = 7

# Amazon SNS policy quotas ("Bytes 30 kb, Statements 100, Principals 1 to 200"),
# https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html
SNS_POLICY_BYTES = 30 * 1_024
SNS_POLICY_STATEMENTS = 100
SNS_POLICY_PRINCIPALS = 200

# EventBridge quotas, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html: "Event bus
# policy size 10,240 characters" (adjustable); "Event pattern size 2,048 characters", adjustable up to
# 4,096 through a quota increase (the provider documents the same for event_pattern).
EVENT_BUS_POLICY_CHARS = 10_240
EVENT_PATTERN_CHARS = 2_048

# Input transformer, from the EventBridge API model (botocore events InputTransformer:
# InputPathsMap max 100 entries, InputTemplate 1..8,192 characters) and
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
INPUT_PATHS_MAP_ENTRIES = 100
INPUT_TEMPLATE_CHARS = 8_192

# AWS KMS key policy: "up to 32 kilobytes (32,768 bytes)",
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
KMS_KEY_POLICY_BYTES = 32_768

# Lambda function resource-based policy: 20 KB, not adjustable (all aws_lambda_permission statements of
# one function together), https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html and
# https://repost.aws/knowledge-center/lambda-resource-based-policy-size-error
LAMBDA_RESOURCE_POLICY_BYTES = 20 * 1_024

# S3 bucket policy: "Bucket policies are limited to 20 KB",
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
S3_BUCKET_POLICY_BYTES = 20 * 1_024

CHECK = "quotas"


def _size(text: str, unit: str) -> int:
    return len(text.encode()) if unit == "bytes" else len(text)


def _limit(  # noqa: PLR0917 - one call per quota reads best with the quota's fields in order
    report: Report, address: str, what: str, measured: int, limit: int, unit: str, name: str
) -> None:
    report.checked["quota measurements"] += 1
    if measured > limit:
        report.fail(CHECK, address, f"{what} is {measured:,} {unit}, over the {limit:,}-{unit} quota ({name})")


def _doc(report: Report, resource: Resource, attribute: str) -> Any:
    found = document(resource, attribute)
    if found is None:
        if resource.unknown.get(attribute):
            report.checked["documents unknown until apply"] += 1
        return None
    raw, decoded = found
    if decoded is None:
        report.fail(CHECK, resource.address, f"{attribute} is not valid JSON ({raw[:60]!r}...)")
    return decoded


def _principals(statement: dict[str, Any]) -> int:
    principal = statement.get("Principal")
    if principal == "*":
        return 1
    if isinstance(principal, dict):
        return sum(len(as_list(v)) for v in principal.values())
    return 0


def _conditions(statement: dict[str, Any]) -> int:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return 0
    return sum(len(keys) if isinstance(keys, dict) else 1 for keys in condition.values())


def _iam(plan: Plan, report: Report) -> None:
    inline: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for role in plan.resources("aws_iam_role"):
        trust = _doc(report, role, "assume_role_policy")
        if trust is not None:
            _limit(
                report, role.address, "the trust policy", len(compact(trust)), IAM_TRUST_POLICY_CHARS,
                "characters", "IAM_TRUST_POLICY_CHARS; adjustable to 4,096 through a quota increase",
            )
        for block in role.values.get("inline_policy") or []:
            if isinstance(block.get("policy"), str) and block["policy"]:
                inline[role.address].append((block.get("name") or "?", len(compact(json.loads(block["policy"])))))
    roles = {r.values.get("name"): r.address for r in plan.resources("aws_iam_role") if r.values.get("name")}
    for policy in plan.resources("aws_iam_role_policy"):
        decoded = _doc(report, policy, "policy")
        role_name = policy.values.get("role")
        if decoded is not None:
            owner = roles.get(role_name, f"role {role_name}" if role_name else policy.address)
            inline[owner].append((policy.address, len(compact(decoded))))
    for owner, sizes in inline.items():
        total = sum(size for _, size in sizes)
        _limit(
            report, owner, f"the inline policies together ({len(sizes)})", total,
            IAM_ROLE_INLINE_POLICIES_CHARS, "characters", "IAM_ROLE_INLINE_POLICIES_CHARS",
        )
    for policy in plan.resources("aws_iam_policy"):
        decoded = _doc(report, policy, "policy")
        if decoded is not None:
            _limit(
                report, policy.address, "the managed policy", len(compact(decoded)), IAM_MANAGED_POLICY_CHARS,
                "characters", "IAM_MANAGED_POLICY_CHARS",
            )


def _sqs(report: Report, address: str, decoded: Any) -> None:
    _limit(report, address, "the queue policy", _size(compact(decoded), "bytes"), SQS_POLICY_BYTES, "bytes",
           "SQS_POLICY_BYTES")
    found = statements(decoded)
    _limit(report, address, "the queue policy's statement count", len(found), SQS_POLICY_STATEMENTS,
           "statements", "SQS_POLICY_STATEMENTS")
    _limit(report, address, "the queue policy's condition count", sum(map(_conditions, found)),
           SQS_POLICY_CONDITIONS, "conditions", "SQS_POLICY_CONDITIONS")
    _limit(report, address, "the queue policy's principal count", sum(map(_principals, found)),
           SQS_POLICY_PRINCIPALS, "principals", "SQS_POLICY_PRINCIPALS")
    for statement in found:
        sid = statement.get("Sid", "?")
        _limit(report, address, f"statement {sid}'s action count", len(as_list(statement.get("Action"))),
               SQS_POLICY_ACTIONS_PER_STATEMENT, "actions", "SQS_POLICY_ACTIONS_PER_STATEMENT")


def _queues_and_topics(plan: Plan, report: Report) -> None:
    for policy in plan.resources("aws_sqs_queue_policy"):
        decoded = _doc(report, policy, "policy")
        if decoded is not None:
            _sqs(report, policy.address, decoded)
    for queue in plan.resources("aws_sqs_queue"):
        decoded = _doc(report, queue, "policy") if queue.values.get("policy") else None
        if decoded is not None:
            _sqs(report, queue.address, decoded)
    for type_, attribute in (("aws_sns_topic_policy", "policy"), ("aws_sns_topic", "policy")):
        for topic in plan.resources(type_):
            decoded = _doc(report, topic, attribute) if topic.values.get(attribute) else None
            if decoded is None:
                continue
            _limit(report, topic.address, "the topic policy", _size(compact(decoded), "bytes"), SNS_POLICY_BYTES,
                   "bytes", "SNS_POLICY_BYTES")
            found = statements(decoded)
            _limit(report, topic.address, "the topic policy's statement count", len(found),
                   SNS_POLICY_STATEMENTS, "statements", "SNS_POLICY_STATEMENTS")
            _limit(report, topic.address, "the topic policy's principal count", sum(map(_principals, found)),
                   SNS_POLICY_PRINCIPALS, "principals", "SNS_POLICY_PRINCIPALS")


def _resource_policies(plan: Plan, report: Report) -> None:
    _queues_and_topics(plan, report)
    per_region: Counter[str] = Counter()
    for policy in plan.resources("aws_cloudwatch_log_resource_policy"):
        per_region[policy.region or "the provider's region"] += 1
        decoded = _doc(report, policy, "policy_document")
        if decoded is not None:
            _limit(report, policy.address, "the CloudWatch Logs resource policy", len(compact(decoded)),
                   LOGS_RESOURCE_POLICY_CHARS, "characters", "LOGS_RESOURCE_POLICY_CHARS")
    for region, count in per_region.items():
        _limit(report, f"aws_cloudwatch_log_resource_policy in {region}", "the number of CloudWatch Logs resource "
               "policies this plan creates", count, LOGS_RESOURCE_POLICIES_PER_REGION, "policies",
               "LOGS_RESOURCE_POLICIES_PER_REGION")
    for policy in plan.resources("aws_cloudwatch_event_bus_policy"):
        decoded = _doc(report, policy, "policy")
        if decoded is not None:
            _limit(report, policy.address, "the event bus policy", len(compact(decoded)), EVENT_BUS_POLICY_CHARS,
                   "characters", "EVENT_BUS_POLICY_CHARS")
    for key in plan.resources("aws_kms_key"):
        decoded = _doc(report, key, "policy") if key.values.get("policy") or key.unknown.get("policy") else None
        if decoded is not None:
            _limit(report, key.address, "the key policy", _size(compact(decoded), "bytes"), KMS_KEY_POLICY_BYTES,
                   "bytes", "KMS_KEY_POLICY_BYTES")
    for bucket in plan.resources("aws_s3_bucket_policy"):
        decoded = _doc(report, bucket, "policy")
        if decoded is not None:
            _limit(report, bucket.address, "the bucket policy", _size(compact(decoded), "bytes"),
                   S3_BUCKET_POLICY_BYTES, "bytes", "S3_BUCKET_POLICY_BYTES")


def lambda_statement(permission: Resource, function_arn: str) -> dict[str, Any]:
    """The statement Lambda's AddPermission stores for one aws_lambda_permission (as GetPolicy shows it)."""
    v = permission.values
    statement: dict[str, Any] = {
        "Sid": v.get("statement_id") or "terraform-generated-statement-id-0000000000",
        "Effect": "Allow",
        "Principal": {"Service": v.get("principal")} if str(v.get("principal", "")).endswith(".com")
        else {"AWS": v.get("principal")},
        "Action": v.get("action"),
        "Resource": function_arn,
    }
    condition: dict[str, Any] = {}
    if v.get("source_arn"):
        condition["ArnLike"] = {"AWS:SourceArn": v["source_arn"]}
    if v.get("source_account"):
        condition["StringEquals"] = {"AWS:SourceAccount": v["source_account"]}
    if v.get("principal_org_id"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = v["principal_org_id"]
    if condition:
        statement["Condition"] = condition
    return statement


def _lambda(plan: Plan, report: Report) -> None:
    functions = {f.values.get("function_name"): f for f in plan.resources("aws_lambda_function")}
    grouped: dict[str, list[Resource]] = defaultdict(list)
    for permission in plan.resources("aws_lambda_permission"):
        name = permission.values.get("function_name")
        if not isinstance(name, str):
            report.checked["lambda permissions unknown until apply"] += 1
            continue
        short = name.split(":function:")[-1].split(":")[0]
        grouped[short].append(permission)
    for name, permissions in grouped.items():
        function = functions.get(name)
        region = (function.region if function else None) or "xx-xxxx-1"
        arn = function.values.get("arn") if function else None
        arn = arn or f"arn:aws:lambda:{region}:123456789012:function:{name}"
        policy = {
            "Version": "2012-10-17",
            "Id": "default",
            "Statement": [lambda_statement(p, arn) for p in permissions],
        }
        owner = function.address if function else f"Lambda function {name}"
        _limit(report, owner, f"the function's resource policy ({len(permissions)} aws_lambda_permission)",
               _size(compact(policy), "bytes"), LAMBDA_RESOURCE_POLICY_BYTES, "bytes", "LAMBDA_RESOURCE_POLICY_BYTES")


def _events(plan: Plan, report: Report) -> None:
    for type_ in ("aws_cloudwatch_event_rule", "aws_cloudwatch_event_archive"):
        for rule in plan.resources(type_):
            decoded = _doc(report, rule, "event_pattern") if rule.values.get("event_pattern") else None
            if decoded is not None:
                _limit(report, rule.address, "the event pattern", len(compact(decoded)), EVENT_PATTERN_CHARS,
                       "characters", "EVENT_PATTERN_CHARS; adjustable to 4,096 through a quota increase")
    for target in plan.resources("aws_cloudwatch_event_target"):
        for transformer in target.values.get("input_transformer") or []:
            paths = transformer.get("input_paths") or {}
            _limit(report, target.address, "the input transformer's input_paths", len(paths),
                   INPUT_PATHS_MAP_ENTRIES, "entries", "INPUT_PATHS_MAP_ENTRIES")
            template = transformer.get("input_template")
            if isinstance(template, str):
                _limit(report, target.address, "the input transformer's input_template", len(template),
                       INPUT_TEMPLATE_CHARS, "characters", "INPUT_TEMPLATE_CHARS")


def check(plan: Plan, report: Report, source: Path | None = None) -> None:
    _iam(plan, report)
    _resource_policies(plan, report)
    _lambda(plan, report)
    _events(plan, report)
    unknown = report.checked.pop("documents unknown until apply", 0)
    if unknown:
        report.notes.append(f"{unknown} policy document(s) are unknown until apply and were not measured")
