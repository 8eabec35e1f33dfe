"""IAM policy documents linted with parliament (it ships the IAM definitions of every action, resource
type and condition key, so nothing is fetched).

Findings of severity LOW and above are violations: parliament rates an unknown action or a resource that
does not fit the action LOW or MEDIUM, and both mean a permission that silently grants nothing. INFO and
MUTE findings are style remarks and are not reported. Known false positives are suppressed in
`SUPPRESSED`, each with its reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genesys_audit_tools.check.model import Report, compact, document
from genesys_audit_tools.harness import Plan

CHECK = "iam-lint"
SEVERITIES = ("MUTE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")
MINIMUM_SEVERITY = "LOW"

# Identity policies (parliament's subject) and resource policies (it reads their actions and resources too).
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "aws_iam_role_policy": ("policy",),
    "aws_iam_policy": ("policy",),
    "aws_iam_role": ("assume_role_policy",),
    "aws_sqs_queue_policy": ("policy",),
    "aws_sns_topic_policy": ("policy",),
    "aws_cloudwatch_log_resource_policy": ("policy_document",),
    "aws_cloudwatch_event_bus_policy": ("policy",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_kms_key": ("policy",),
}

# (resource type, parliament issue, text in its detail) -> why it is not a defect here.
SUPPRESSED: dict[tuple[str, str, str], str] = {
    ("aws_kms_key", "RESOURCE_STAR", ""): 'a key policy\'s Resource is always "*" (it means this key)',
    ("aws_kms_key", "RESOURCE_EFFECTIVELY_STAR", ""): 'a key policy\'s Resource is always "*" (it means this key)',
    ("aws_iam_role", "MALFORMED", "neither Resource nor NotResource"): (
        "a trust policy has no Resource element; parliament reads every document as an identity policy"
    ),
    ("aws_kms_key", "UNKNOWN_CONDITION_FOR_ACTION", "kms:EncryptionContext:aws:logs:arn"): (
        "the key-policy statement AWS documents for CloudWatch Logs grants kms:Describe* under the "
        "kms:EncryptionContext:aws:logs:arn condition (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/"
        "encrypt-log-data-kms.html)"
    ),
    ("aws_kms_key", "MISMATCHED_TYPE", "ArnEquals requires a value of type Arn but given String"): (
        "AWS documents ArnEquals/ArnLike on kms:EncryptionContext:aws:logs:arn (same page); parliament types "
        "every kms:EncryptionContext key as String"
    ),
}


def suppressed(type_: str, issue: str, detail: str) -> bool:
    """Whether a finding is a listed false positive."""
    return any(t == type_ and i == issue and text in detail for t, i, text in SUPPRESSED)


def warm() -> None:
    """Import parliament (it reads its IAM definitions and configuration on import)."""
    import parliament  # noqa: F401


def _lint(text: str) -> list[Any]:
    from parliament import analyze_policy_string, enhance_finding

    policy = analyze_policy_string(text, include_community_auditors=False)
    findings = []
    for finding in policy.findings:
        enhance_finding(finding)
        findings.append(finding)
    return findings


def check(plan: Plan, report: Report, source: Path | None = None) -> None:
    floor = SEVERITIES.index(MINIMUM_SEVERITY)
    for type_, attributes in DOCUMENTS.items():
        for resource in plan.resources(type_):
            for attribute in attributes:
                found = document(resource, attribute)
                if found is None or found[1] is None:
                    continue
                report.checked["IAM documents linted"] += 1
                for finding in _lint(compact(found[1])):
                    severity = getattr(finding, "severity", "") or "LOW"
                    if severity not in SEVERITIES or SEVERITIES.index(severity) < floor:
                        continue
                    detail = finding.detail if isinstance(finding.detail, str) else compact(finding.detail)
                    if suppressed(type_, finding.issue, detail):
                        continue
                    report.fail(
                        CHECK, resource.address,
                        f"{attribute}: parliament {severity} {finding.issue} ({finding.title}): {detail}",
                    )
