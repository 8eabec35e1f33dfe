"""Names and formats from the AWS API models that botocore ships (length, pattern, enum, range).

`TABLE` maps a Terraform resource type and attribute path to the API operation and input member the
provider sends it to; `NOTHING_TO_CHECK` lists the resource types the project creates whose arguments
the models do not constrain (or that only reference other resources), with the reason. A test keeps
every aws_* resource type used in modules/ and examples/ in one of the two.

Attribute paths walk planned values: `a.b` descends into nested blocks (every element of a block list);
member paths walk the API input shape: `Targets[].Id` is member Id of the Targets list's elements.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from genesys_audit_tools.check.model import Report
from genesys_audit_tools.harness import Plan

CHECK = "api-shapes"

# (resource type, attribute path) -> (botocore service, operation, input member path)
TABLE: dict[tuple[str, str], tuple[str, str, str]] = {
    ("aws_apigatewayv2_api", "name"): ("apigatewayv2", "CreateApi", "Name"),
    ("aws_apigatewayv2_api", "protocol_type"): ("apigatewayv2", "CreateApi", "ProtocolType"),
    ("aws_apigatewayv2_integration", "integration_type"): ("apigatewayv2", "CreateIntegration", "IntegrationType"),
    ("aws_apigatewayv2_integration", "payload_format_version"): (
        "apigatewayv2", "CreateIntegration", "PayloadFormatVersion"),
    ("aws_apigatewayv2_integration", "timeout_milliseconds"): (
        "apigatewayv2", "CreateIntegration", "TimeoutInMillis"),
    ("aws_apigatewayv2_route", "route_key"): ("apigatewayv2", "CreateRoute", "RouteKey"),
    ("aws_apigatewayv2_route", "authorization_type"): ("apigatewayv2", "CreateRoute", "AuthorizationType"),
    ("aws_apigatewayv2_stage", "name"): ("apigatewayv2", "CreateStage", "StageName"),
    ("aws_apigatewayv2_stage", "default_route_settings.throttling_burst_limit"): (
        "apigatewayv2", "CreateStage", "DefaultRouteSettings.ThrottlingBurstLimit"),
    ("aws_cloudwatch_event_archive", "name"): ("events", "CreateArchive", "ArchiveName"),
    ("aws_cloudwatch_event_archive", "description"): ("events", "CreateArchive", "Description"),
    ("aws_cloudwatch_event_archive", "retention_days"): ("events", "CreateArchive", "RetentionDays"),
    ("aws_cloudwatch_event_archive", "event_pattern"): ("events", "CreateArchive", "EventPattern"),
    ("aws_cloudwatch_event_bus", "name"): ("events", "CreateEventBus", "Name"),
    ("aws_cloudwatch_event_bus", "description"): ("events", "CreateEventBus", "Description"),
    ("aws_cloudwatch_event_bus", "event_source_name"): ("events", "CreateEventBus", "EventSourceName"),
    ("aws_cloudwatch_event_bus_policy", "event_bus_name"): ("events", "PutPermission", "EventBusName"),
    ("aws_cloudwatch_event_rule", "name"): ("events", "PutRule", "Name"),
    ("aws_cloudwatch_event_rule", "description"): ("events", "PutRule", "Description"),
    ("aws_cloudwatch_event_rule", "event_bus_name"): ("events", "PutRule", "EventBusName"),
    ("aws_cloudwatch_event_rule", "event_pattern"): ("events", "PutRule", "EventPattern"),
    ("aws_cloudwatch_event_rule", "schedule_expression"): ("events", "PutRule", "ScheduleExpression"),
    ("aws_cloudwatch_event_rule", "state"): ("events", "PutRule", "State"),
    ("aws_cloudwatch_event_target", "rule"): ("events", "PutTargets", "Rule"),
    ("aws_cloudwatch_event_target", "event_bus_name"): ("events", "PutTargets", "EventBusName"),
    ("aws_cloudwatch_event_target", "target_id"): ("events", "PutTargets", "Targets[].Id"),
    ("aws_cloudwatch_event_target", "input_transformer.input_template"): (
        "events", "PutTargets", "Targets[].InputTransformer.InputTemplate"),
    ("aws_cloudwatch_event_target", "input_transformer.input_paths"): (
        "events", "PutTargets", "Targets[].InputTransformer.InputPathsMap"),
    ("aws_cloudwatch_event_target", "retry_policy.maximum_event_age_in_seconds"): (
        "events", "PutTargets", "Targets[].RetryPolicy.MaximumEventAgeInSeconds"),
    ("aws_cloudwatch_event_target", "retry_policy.maximum_retry_attempts"): (
        "events", "PutTargets", "Targets[].RetryPolicy.MaximumRetryAttempts"),
    ("aws_cloudwatch_log_group", "name"): ("logs", "CreateLogGroup", "logGroupName"),
    ("aws_cloudwatch_log_group", "log_group_class"): ("logs", "CreateLogGroup", "logGroupClass"),
    ("aws_cloudwatch_log_group", "retention_in_days"): ("logs", "PutRetentionPolicy", "retentionInDays"),
    ("aws_cloudwatch_log_resource_policy", "policy_name"): ("logs", "PutResourcePolicy", "policyName"),
    ("aws_cloudwatch_query_definition", "name"): ("logs", "PutQueryDefinition", "name"),
    ("aws_cloudwatch_query_definition", "query_string"): ("logs", "PutQueryDefinition", "queryString"),
    ("aws_cloudwatch_log_stream", "name"): ("logs", "CreateLogStream", "logStreamName"),
    ("aws_cloudwatch_log_stream", "log_group_name"): ("logs", "CreateLogStream", "logGroupName"),
    ("aws_cloudwatch_metric_alarm", "alarm_name"): ("cloudwatch", "PutMetricAlarm", "AlarmName"),
    ("aws_cloudwatch_metric_alarm", "alarm_description"): ("cloudwatch", "PutMetricAlarm", "AlarmDescription"),
    ("aws_cloudwatch_metric_alarm", "comparison_operator"): ("cloudwatch", "PutMetricAlarm", "ComparisonOperator"),
    ("aws_cloudwatch_metric_alarm", "statistic"): ("cloudwatch", "PutMetricAlarm", "Statistic"),
    ("aws_cloudwatch_metric_alarm", "namespace"): ("cloudwatch", "PutMetricAlarm", "Namespace"),
    ("aws_cloudwatch_metric_alarm", "metric_name"): ("cloudwatch", "PutMetricAlarm", "MetricName"),
    ("aws_cloudwatch_metric_alarm", "treat_missing_data"): ("cloudwatch", "PutMetricAlarm", "TreatMissingData"),
    ("aws_cloudwatch_metric_alarm", "evaluation_periods"): ("cloudwatch", "PutMetricAlarm", "EvaluationPeriods"),
    ("aws_cloudwatch_metric_alarm", "period"): ("cloudwatch", "PutMetricAlarm", "Period"),
    ("aws_cloudwatch_metric_alarm", "alarm_actions"): ("cloudwatch", "PutMetricAlarm", "AlarmActions"),
    ("aws_cloudwatch_metric_alarm", "ok_actions"): ("cloudwatch", "PutMetricAlarm", "OKActions"),
    ("aws_dynamodb_table", "name"): ("dynamodb", "CreateTable", "TableName"),
    ("aws_dynamodb_table", "billing_mode"): ("dynamodb", "CreateTable", "BillingMode"),
    ("aws_dynamodb_table", "hash_key"): ("dynamodb", "CreateTable", "KeySchema[].AttributeName"),
    ("aws_dynamodb_table", "attribute.type"): ("dynamodb", "CreateTable", "AttributeDefinitions[].AttributeType"),
    ("aws_dynamodb_table", "ttl.attribute_name"): (
        "dynamodb", "UpdateTimeToLive", "TimeToLiveSpecification.AttributeName"),
    ("aws_iam_role", "name"): ("iam", "CreateRole", "RoleName"),
    ("aws_iam_role", "path"): ("iam", "CreateRole", "Path"),
    ("aws_iam_role", "description"): ("iam", "CreateRole", "Description"),
    ("aws_iam_role", "max_session_duration"): ("iam", "CreateRole", "MaxSessionDuration"),
    ("aws_iam_role", "assume_role_policy"): ("iam", "CreateRole", "AssumeRolePolicyDocument"),
    ("aws_iam_role_policy", "name"): ("iam", "PutRolePolicy", "PolicyName"),
    ("aws_iam_role_policy", "role"): ("iam", "PutRolePolicy", "RoleName"),
    ("aws_iam_role_policy", "policy"): ("iam", "PutRolePolicy", "PolicyDocument"),
    ("aws_iam_role_policy_attachment", "role"): ("iam", "AttachRolePolicy", "RoleName"),
    ("aws_iam_role_policy_attachment", "policy_arn"): ("iam", "AttachRolePolicy", "PolicyArn"),
    ("aws_kinesis_firehose_delivery_stream", "name"): ("firehose", "CreateDeliveryStream", "DeliveryStreamName"),
    ("aws_kinesis_firehose_delivery_stream", "splunk_configuration.hec_endpoint"): (
        "firehose", "CreateDeliveryStream", "SplunkDestinationConfiguration.HECEndpoint"),
    ("aws_kinesis_firehose_delivery_stream", "splunk_configuration.hec_endpoint_type"): (
        "firehose", "CreateDeliveryStream", "SplunkDestinationConfiguration.HECEndpointType"),
    ("aws_kinesis_firehose_delivery_stream", "splunk_configuration.hec_acknowledgment_timeout"): (
        "firehose", "CreateDeliveryStream", "SplunkDestinationConfiguration.HECAcknowledgmentTimeoutInSeconds"),
    ("aws_kinesis_firehose_delivery_stream", "splunk_configuration.retry_duration"): (
        "firehose", "CreateDeliveryStream", "SplunkDestinationConfiguration.RetryOptions.DurationInSeconds"),
    ("aws_kinesis_firehose_delivery_stream", "splunk_configuration.s3_backup_mode"): (
        "firehose", "CreateDeliveryStream", "SplunkDestinationConfiguration.S3BackupMode"),
    ("aws_kinesis_firehose_delivery_stream", "splunk_configuration.buffering_interval"): (
        "firehose", "CreateDeliveryStream", "SplunkDestinationConfiguration.BufferingHints.IntervalInSeconds"),
    ("aws_kinesis_firehose_delivery_stream", "splunk_configuration.buffering_size"): (
        "firehose", "CreateDeliveryStream", "SplunkDestinationConfiguration.BufferingHints.SizeInMBs"),
    ("aws_kms_alias", "name"): ("kms", "CreateAlias", "AliasName"),
    ("aws_kms_key", "description"): ("kms", "CreateKey", "Description"),
    ("aws_kms_key", "key_usage"): ("kms", "CreateKey", "KeyUsage"),
    ("aws_kms_key", "customer_master_key_spec"): ("kms", "CreateKey", "KeySpec"),
    ("aws_kms_key", "policy"): ("kms", "CreateKey", "Policy"),
    ("aws_kms_key", "deletion_window_in_days"): ("kms", "ScheduleKeyDeletion", "PendingWindowInDays"),
    ("aws_lambda_event_source_mapping", "batch_size"): ("lambda", "CreateEventSourceMapping", "BatchSize"),
    ("aws_lambda_event_source_mapping", "function_response_types"): (
        "lambda", "CreateEventSourceMapping", "FunctionResponseTypes"),
    ("aws_lambda_event_source_mapping", "maximum_batching_window_in_seconds"): (
        "lambda", "CreateEventSourceMapping", "MaximumBatchingWindowInSeconds"),
    ("aws_lambda_event_source_mapping", "function_name"): ("lambda", "CreateEventSourceMapping", "FunctionName"),
    ("aws_lambda_function", "function_name"): ("lambda", "CreateFunction", "FunctionName"),
    ("aws_lambda_function", "handler"): ("lambda", "CreateFunction", "Handler"),
    ("aws_lambda_function", "runtime"): ("lambda", "CreateFunction", "Runtime"),
    ("aws_lambda_function", "description"): ("lambda", "CreateFunction", "Description"),
    ("aws_lambda_function", "memory_size"): ("lambda", "CreateFunction", "MemorySize"),
    ("aws_lambda_function", "timeout"): ("lambda", "CreateFunction", "Timeout"),
    ("aws_lambda_function", "architectures"): ("lambda", "CreateFunction", "Architectures"),
    ("aws_lambda_function", "layers"): ("lambda", "CreateFunction", "Layers"),
    ("aws_lambda_function", "reserved_concurrent_executions"): (
        "lambda", "PutFunctionConcurrency", "ReservedConcurrentExecutions"),
    ("aws_lambda_function", "tracing_config.mode"): ("lambda", "CreateFunction", "TracingConfig.Mode"),
    ("aws_lambda_function", "logging_config.log_format"): ("lambda", "CreateFunction", "LoggingConfig.LogFormat"),
    ("aws_lambda_function", "logging_config.log_group"): ("lambda", "CreateFunction", "LoggingConfig.LogGroup"),
    ("aws_lambda_function_event_invoke_config", "maximum_retry_attempts"): (
        "lambda", "PutFunctionEventInvokeConfig", "MaximumRetryAttempts"),
    ("aws_lambda_function_event_invoke_config", "maximum_event_age_in_seconds"): (
        "lambda", "PutFunctionEventInvokeConfig", "MaximumEventAgeInSeconds"),
    ("aws_lambda_permission", "statement_id"): ("lambda", "AddPermission", "StatementId"),
    ("aws_lambda_permission", "action"): ("lambda", "AddPermission", "Action"),
    ("aws_lambda_permission", "principal"): ("lambda", "AddPermission", "Principal"),
    ("aws_lambda_permission", "source_arn"): ("lambda", "AddPermission", "SourceArn"),
    ("aws_lambda_permission", "function_name"): ("lambda", "AddPermission", "FunctionName"),
    ("aws_s3_bucket_lifecycle_configuration", "rule.expiration.days"): (
        "s3", "PutBucketLifecycleConfiguration", "LifecycleConfiguration.Rules[].Expiration.Days"),
    ("aws_s3_bucket_lifecycle_configuration", "rule.status"): (
        "s3", "PutBucketLifecycleConfiguration", "LifecycleConfiguration.Rules[].Status"),
    ("aws_s3_bucket_object_lock_configuration", "rule.default_retention.mode"): (
        "s3", "PutObjectLockConfiguration", "ObjectLockConfiguration.Rule.DefaultRetention.Mode"),
    ("aws_s3_bucket_ownership_controls", "rule.object_ownership"): (
        "s3", "PutBucketOwnershipControls", "OwnershipControls.Rules[].ObjectOwnership"),
    (
        "aws_s3_bucket_server_side_encryption_configuration",
        "rule.apply_server_side_encryption_by_default.sse_algorithm",
    ): (
        "s3", "PutBucketEncryption",
        "ServerSideEncryptionConfiguration.Rules[].ApplyServerSideEncryptionByDefault.SSEAlgorithm"),
    ("aws_s3_bucket_versioning", "versioning_configuration.status"): (
        "s3", "PutBucketVersioning", "VersioningConfiguration.Status"),
    ("aws_sns_topic", "name"): ("sns", "CreateTopic", "Name"),
    ("aws_sns_topic_subscription", "protocol"): ("sns", "Subscribe", "Protocol"),
    ("aws_sqs_queue", "name"): ("sqs", "CreateQueue", "QueueName"),
}

# Resource types the project creates with nothing the API models constrain beyond what the provider
# schema already types, with the reason.
NOTHING_TO_CHECK: dict[str, str] = {
    "aws_cloudwatch_event_bus_policy": "the policy is a quota check (quotas.EVENT_BUS_POLICY_CHARS); the "
    "bus name is checked on the bus",
    "aws_s3_bucket": "CreateBucket's Bucket member has no length or pattern in the S3 model (bucket naming rules "
    "are enforced server side); the name is derived from already checked names",
    "aws_s3_bucket_logging": "only references other buckets (target_bucket) and a prefix the model leaves free",
    "aws_s3_bucket_policy": "the policy is a quota check (quotas.S3_BUCKET_POLICY_BYTES)",
    "aws_s3_bucket_public_access_block": "four booleans",
    "aws_sqs_queue_policy": "the policy is a quota check (quotas.SQS_*); SetQueueAttributes takes a free map",
    "aws_sqs_queue_redrive_allow_policy": "a queue attribute (SetQueueAttributes takes a free map); the JSON only "
    "names queues",
    "aws_sns_topic_policy": "the policy is a quota check (quotas.SNS_*); SetTopicAttributes takes a free value",
    "aws_cloudwatch_log_resource_policy": "policy_name is in TABLE; the document is a quota check",
    "aws_cloudwatch_dashboard": "PutDashboard's model bounds neither DashboardName nor DashboardBody; the body is "
                                "built by jsonencode, so it is valid JSON",
}


@cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@cache
def _service(name: str) -> Any:
    return _session().get_service_model(name)


@cache
def member_shape(service: str, operation: str, path: str) -> Any:
    """The botocore shape of an input member path such as `Targets[].InputTransformer.InputTemplate`."""
    shape = _service(service).operation_model(operation).input_shape
    for step in path.split("."):
        listed = step.endswith("[]")
        name = step.removesuffix("[]")
        shape = shape.members[name]
        if listed:
            shape = shape.member
    return shape


@cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _string(value: str, shape: Any) -> list[str]:
    meta, problems = shape.metadata, []
    if "min" in meta and len(value) < meta["min"]:
        problems.append(f"{len(value)} characters, under the minimum of {meta['min']}")
    if "max" in meta and len(value) > meta["max"]:
        problems.append(f"{len(value)} characters, over the maximum of {meta['max']}")
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        problems.append(f"not one of {', '.join(enum)}")
    pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
    if pattern is not None and not pattern.fullmatch(value):
        problems.append(f"does not match the pattern {meta['pattern']}")
    return problems


def _number(value: int, meta: dict[str, Any]) -> list[str]:
    problems = []
    if "min" in meta and value < meta["min"]:
        problems.append(f"{value} is under the minimum of {meta['min']}")
    if "max" in meta and value > meta["max"]:
        problems.append(f"{value} is over the maximum of {meta['max']}")
    return problems


def violations(value: Any, shape: Any) -> list[str]:
    """What `value` breaks in `shape` (empty when it fits or cannot be judged)."""
    meta, kind = shape.metadata, shape.type_name
    if kind in ("list", "map") and isinstance(value, list | dict):
        problems = []
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{len(value)} {'items' if kind == 'list' else 'entries'}, over the maximum of "
                            f"{meta['max']}")
        if kind == "list":
            for item in value:
                problems += violations(item, shape.member)
        return problems
    if kind == "string" and isinstance(value, str):
        return _string(value, shape)
    if kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        return _number(value, meta)
    return []


def _values(values: Any, path: str) -> list[Any]:
    current = [values]
    for step in path.split("."):
        following = []
        for item in current:
            for element in item if isinstance(item, list) else [item]:
                if isinstance(element, dict) and element.get(step) is not None:
                    following.append(element[step])
        current = following
    return current


def check(plan: Plan, report: Report, source: Path | None = None) -> None:
    by_type: dict[str, list[tuple[str, tuple[str, str, str]]]] = {}
    for (type_, attribute), target in TABLE.items():
        by_type.setdefault(type_, []).append((attribute, target))
    for resource in plan.resources():
        for attribute, (service, operation, member) in by_type.get(resource.type, []):
            shape = member_shape(service, operation, member)
            for value in _values(resource.values, attribute):
                report.checked["API model values"] += 1
                for problem in violations(value, shape):
                    shown = value if not isinstance(value, str) or len(value) <= 80 else value[:77] + "..."
                    report.fail(
                        CHECK, resource.address,
                        f"{attribute} = {shown!r}: {problem} ({service} {operation} {member})",
                    )
