locals {
  partition  = var.partition
  account_id = var.account_id
  arn_prefix = "arn:${local.partition}"

  # Names and ARNs built from known parts, so every policy is readable in the plan.
  # From the function module: the reference orders the key and topic policies (which name the role) after
  # the role, since KMS and SNS reject a policy naming a role that does not exist yet.
  role_name      = coalesce(module.function.role_name, "${var.name}-${var.region}")
  topic_name     = var.name
  table_name     = "${var.name}-idempotency"
  log_group_name = "/aws/lambda/${var.name}"

  role_arn      = "${local.arn_prefix}:iam::${local.account_id}:role/${local.role_name}"
  topic_arn     = "${local.arn_prefix}:sns:${var.region}:${local.account_id}:${local.topic_name}"
  table_arn     = "${local.arn_prefix}:dynamodb:${var.region}:${local.account_id}:table/${local.table_name}"
  log_group_arn = "${local.arn_prefix}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_name}"

  create_kms_key = var.create && (var.create_kms_key != null ? var.create_kms_key : var.kms_key_arn == null)
  kms_key_arn    = var.create ? (local.create_kms_key ? module.kms.key_arn : var.kms_key_arn) : null

  secret_arns = compact([var.slack_secret_arn, var.teams_secret_arn, var.pagerduty_secret_arn])

  environment = merge(
    {
      ALERT_TOPIC_ARN                   = local.topic_arn
      IDEMPOTENCY_TABLE                 = local.table_name
      IDEMPOTENCY_EXPIRES_AFTER_SECONDS = tostring(var.idempotency_expires_after_seconds)
      ALERT_SKIP_REPLAYS                = tostring(var.skip_replays)
      POWERTOOLS_SERVICE_NAME           = var.name
      POWERTOOLS_METRICS_NAMESPACE      = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL              = var.log_level
    },
    var.slack_secret_arn == null ? {} : { SLACK_SECRET_ARN = var.slack_secret_arn },
    var.teams_secret_arn == null ? {} : { TEAMS_SECRET_ARN = var.teams_secret_arn },
    var.pagerduty_secret_arn == null ? {} : { PAGERDUTY_SECRET_ARN = var.pagerduty_secret_arn },
    module.enrichment.environment,
  )
}

################################################################################
# KMS key (unless one is given)
################################################################################

data "aws_iam_policy_document" "kms" {
  count = local.create_kms_key ? 1 : 0

  statement {
    sid       = "AlertFunctionUsesKeyThroughItsServices"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.role_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${var.region}.amazonaws.com", "sqs.${var.region}.amazonaws.com", "dynamodb.${var.region}.amazonaws.com"]
    }
  }
}

module "kms" {
  source = "../kms-key"

  create         = local.create_kms_key
  name           = var.name
  region         = var.region
  account_id     = var.account_id
  partition      = var.partition
  description    = "Genesys audit alerting (${var.name}): topic, DLQ, idempotency table, logs, environment"
  log_group_arns = [local.log_group_arn]
  policy_json    = try(data.aws_iam_policy_document.kms[0].json, null)
  tags           = var.tags
}

################################################################################
# SNS topic, policy, subscriptions
################################################################################

resource "aws_sns_topic" "this" {
  count = var.create ? 1 : 0

  region            = var.region
  name              = local.topic_name
  display_name      = "Genesys audit alerts"
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  count = var.create ? 1 : 0

  statement {
    sid       = "AlertFunctionPublishes"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]
    principals {
      type        = "AWS"
      identifiers = [local.role_arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish", "sns:Subscribe"]
    resources = [local.topic_arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  count = var.create ? 1 : 0

  region = var.region
  arn    = aws_sns_topic.this[0].arn
  policy = data.aws_iam_policy_document.topic[0].json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.create ? toset(var.email_subscriptions) : toset([])

  region    = var.region
  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "https" {
  for_each = var.create ? toset(var.https_subscriptions) : toset([])

  region                 = var.region
  topic_arn              = aws_sns_topic.this[0].arn
  protocol               = "https"
  endpoint               = each.value
  endpoint_auto_confirms = false
}

################################################################################
# Dead-letter queue of the function's asynchronous invocations (EventBridge delivery failures go to the
# pipeline's targets DLQ, with every other target)
################################################################################


################################################################################
# Idempotency table (Powertools schema: id / expiration)
################################################################################

resource "aws_dynamodb_table" "idempotency" {
  count = var.create ? 1 : 0

  region       = var.region
  name         = local.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = var.tags
}

################################################################################
# Function (modules/lambda-function): package, role, log group, Lambda
################################################################################

module "enrichment" {
  source = "../genesys-enrichment"

  create     = var.create
  enrichment = var.enrichment
  region     = var.region
}

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  source_policy_documents = compact([module.enrichment.policy_json])

  statement {
    sid       = "PublishAlerts"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]
  }

  statement {
    sid       = "RememberAlertedAuditIds"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [local.table_arn]
  }

  dynamic "statement" {
    for_each = length(local.secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadChatAndPagingSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptSecretsThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.create && !local.create_kms_key ? [1] : []
    content {
      sid       = "UseGivenKmsKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [local.kms_key_arn]
      # Only through the services holding the function's data, never by calling KMS directly.
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${var.region}.amazonaws.com", "sqs.${var.region}.amazonaws.com", "dynamodb.${var.region}.amazonaws.com", "lambda.${var.region}.amazonaws.com"]
      }
    }
  }
}

module "function" {
  source = "../lambda-function"

  create                         = var.create
  name                           = var.name
  region                         = var.region
  account_id                     = var.account_id
  partition                      = var.partition
  description                    = "Genesys audit alerts: SNS, Slack, Teams, PagerDuty"
  handler_package                = "alert"
  policy_json                    = try(data.aws_iam_policy_document.function[0].json, "{}")
  environment                    = local.environment
  package                        = var.package
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = local.kms_key_arn
  dead_letter                    = { message_retention_seconds = var.dlq_message_retention_seconds }
  async_invoke                   = { maximum_retry_attempts = 2, maximum_event_age_in_seconds = 3600 }
  tracing_enabled                = var.tracing_enabled
  vpc_config                     = var.vpc_config
  code_signing_config_arn        = var.code_signing_config_arn
  log_retention_in_days          = var.log_retention_in_days
  tags                           = var.tags
}

################################################################################
# EventBridge -> function: one permission per alert rule, naming exactly that rule, while they fit the
# budget; past it, one permission for every rule of this pipeline. The target itself (with rule key and
# severity added) is made by modules/audit-rules from the `destination` output.
################################################################################

locals {
  function_arn = "${local.arn_prefix}:lambda:${var.region}:${local.account_id}:function:${var.name}"
  # Each permission is one statement of the function's resource policy, as Lambda stores it:
  # {"Sid":"AllowEventBridge-<key>","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},
  # "Action":"lambda:InvokeFunction","Resource":"<function>","Condition":{"ArnLike":{"AWS:SourceArn":"<rule>"}}},
  # 184 bytes around the key, the function ARN and the rule ARN.
  rule_permission_bytes = sum(concat([0], [for k, r in var.rules : 184 + length(k) + length(local.function_arn) + length(r.rule_arn)]))
  permissions = (var.rule_arn_pattern == null || local.rule_permission_bytes <= var.permissions_max_bytes
    ? { for k, r in var.rules : k => r.rule_arn }
    : { pipeline-rules = var.rule_arn_pattern }
  )
}

resource "aws_lambda_permission" "events" {
  for_each = var.create ? local.permissions : {}

  region        = var.region
  statement_id  = "AllowEventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = each.value
}

locals {
  # <aws.events.event> is the whole event; it must stay unquoted. jsonencode escapes <, > and & in the
  # constants, so a title can never be read as a placeholder.
  rule_input_transformers = { for k, r in var.rules : k => {
    input_paths    = {}
    input_template = "{\"rule\": ${jsonencode(k)}, \"severity\": ${jsonencode(r.severity)}, \"title\": ${jsonencode(r.title)}, \"runbook_url\": ${jsonencode(r.runbook_url)}, \"event\": <aws.events.event>}"
  } }
}

################################################################################
# Alarm: an alert channel failed (EMF metric AlertChannelFailures emitted by the function)
################################################################################

# The invocation fails (retry, then the DLQ) only when no channel took the alert; a single failing
# channel (an expired Slack webhook, a revoked PagerDuty key) is reported here instead.
resource "aws_cloudwatch_metric_alarm" "channel_failures" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-channel-failures"
  alarm_description   = "An alert channel (SNS, Slack, Teams or PagerDuty) rejected or could not be reached for an alert; the other channels still delivered it. The function log ${local.log_group_name} names the channel: check its secret and endpoint."
  namespace           = var.metrics_namespace
  metric_name         = "AlertChannelFailures"
  dimensions          = { service = var.name }
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

################################################################################
# Alarm: the idempotency table was unavailable (EMF metric AlertDeduplicationUnavailable)
################################################################################

# An alert never waits on its deduplication store: without the table it is still sent (fail open), marked
# "possibly repeated", so a retry or a rule matching again may alert twice until the table is back.
resource "aws_cloudwatch_metric_alarm" "deduplication_unavailable" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-deduplication-unavailable"
  alarm_description   = "The alert function could not use its idempotency table ${local.table_name}; alerts were still sent, marked as possibly repeated, so repeats may reach the channels. The function log ${local.log_group_name} has the DynamoDB error: check the table, its key and the role's access."
  namespace           = var.metrics_namespace
  metric_name         = "AlertDeduplicationUnavailable"
  dimensions          = { service = var.name }
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
