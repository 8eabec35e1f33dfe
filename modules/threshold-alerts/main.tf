# Threshold (burst) rules: EventBridge -> this function, which counts each matched audit id once per rule,
# fixed window and group in a DynamoDB table and publishes one alert per window and group to the alert
# topic when the count reaches the rule's threshold. Every failure raises: Lambda retries the asynchronous
# invocation, then dead-letters it here; both the errors and the dead-letter queue alarm.

locals {
  partition  = var.partition
  account_id = var.account_id
  arn_prefix = "arn:${local.partition}"

  table_name = "${var.name}-counts"
  dlq_name   = "${var.name}-dlq"
  table_arn  = "${local.arn_prefix}:dynamodb:${var.region}:${local.account_id}:table/${local.table_name}"

  # <aws.events.event> is the whole event; it must stay unquoted. jsonencode escapes <, > and & in the
  # constants, so a title can never be read as a placeholder.
  rule_input_transformers = { for k, r in var.rules : k => {
    input_paths    = {}
    input_template = "{\"rule\": ${jsonencode(k)}, \"severity\": ${jsonencode(r.severity)}, \"title\": ${jsonencode(r.title)}, \"runbook_url\": ${jsonencode(r.runbook_url)}, \"threshold\": ${jsonencode({ count = r.threshold.count, window_minutes = r.threshold.window_minutes, group_by = r.threshold.group_by })}, \"event\": <aws.events.event>}"
  } }
}

################################################################################
# Counting table: members (audit ids counted) and counters per rule, window and group; TTL past the window
################################################################################

resource "aws_dynamodb_table" "counts" {
  count = var.create ? 1 : 0

  region       = var.region
  name         = local.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expires"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

################################################################################
# Function: count in its table, publish to the alert topic, dead-letter to its queue; nothing else
################################################################################

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  statement {
    sid       = "CountInTheThresholdTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]
    resources = [local.table_arn]
  }

  statement {
    sid       = "PublishThresholdAlerts"
    actions   = ["sns:Publish"]
    resources = [var.alert_topic_arn]
  }

  statement {
    sid       = "UsePipelineKeyThroughItsServices"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${var.region}.amazonaws.com", "sqs.${var.region}.amazonaws.com", "lambda.${var.region}.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.alert_topic_kms_key_arn != null ? [1] : []
    content {
      sid       = "UseAlertTopicKeyThroughSns"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.alert_topic_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${var.region}.amazonaws.com"]
      }
    }
  }
}

module "function" {
  source = "../lambda-function"

  create          = var.create
  name            = var.name
  region          = var.region
  account_id      = var.account_id
  partition       = var.partition
  description     = "Genesys audit threshold (burst) rules: exact counts per window and group, one alert each"
  handler_package = "threshold"
  policy_json     = try(data.aws_iam_policy_document.function[0].json, "{}")
  environment = {
    ALERT_TOPIC_ARN              = var.alert_topic_arn
    THRESHOLD_TABLE_NAME         = local.table_name
    THRESHOLD_CLAIM_SECONDS      = tostring(var.claim_seconds)
    POWERTOOLS_SERVICE_NAME      = var.name
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
  }
  package                        = var.package
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  dead_letter                    = {}
  # Retries within the claim: a retry after a failed send takes the released claim and sends the alert.
  async_invoke          = { maximum_retry_attempts = 2, maximum_event_age_in_seconds = 3600 }
  log_retention_in_days = var.log_retention_in_days
  tags                  = var.tags
}

################################################################################
# EventBridge -> function: one permission per threshold rule, naming exactly that rule. The targets (with
# the rule's threshold added) are made by modules/audit-rules from the `destination` output.
################################################################################

resource "aws_lambda_permission" "events" {
  for_each = var.create ? var.rules : {}

  region        = var.region
  statement_id  = "AllowEventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = each.value.rule_arn
}

################################################################################
# Alarm: the function failed (it is retried, then dead-lettered; the root's monitoring alarms on that queue)
################################################################################

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-errors"
  alarm_description   = "The threshold function failed (DynamoDB, SNS or bad input); Lambda retries it, then dead-letters it to ${local.dlq_name}. Its log /aws/lambda/${var.name} says why."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = compact([var.ops_topic_arn])
  ok_actions          = compact([var.ops_topic_arn])
  tags                = var.tags
}
