data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

locals {
  partition  = try(data.aws_partition.current[0].partition, "aws")
  account_id = try(data.aws_caller_identity.current[0].account_id, "000000000000")
  arn_prefix = "arn:${local.partition}"

  # Names and ARNs built from known parts, so every policy is readable in the plan.
  role_name      = "${var.name}-${var.region}"
  topic_name     = var.name
  dlq_name       = "${var.name}-dlq"
  table_name     = "${var.name}-idempotency"
  log_group_name = "/aws/lambda/${var.name}"

  role_arn      = "${local.arn_prefix}:iam::${local.account_id}:role/${local.role_name}"
  topic_arn     = "${local.arn_prefix}:sns:${var.region}:${local.account_id}:${local.topic_name}"
  dlq_arn       = "${local.arn_prefix}:sqs:${var.region}:${local.account_id}:${local.dlq_name}"
  table_arn     = "${local.arn_prefix}:dynamodb:${var.region}:${local.account_id}:table/${local.table_name}"
  log_group_arn = "${local.arn_prefix}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_name}"

  create_kms_key = var.create && var.kms_key_arn == null
  kms_key_arn    = var.create ? (local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn) : null

  rule_arns   = sort(distinct([for r in var.rules : r.rule_arn]))
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
  )
}

module "package" {
  source = "../lambda-package"

  create          = var.create
  name            = "${var.name}-${var.region}"
  handler_package = "alert"
  region          = var.region
  source_dir      = var.package.source_dir
  output_dir      = var.package.output_dir
  architecture    = var.package.architecture
  powertools_layer = {
    version = var.package.powertools_layer_version
    arn     = var.package.powertools_layer_arn
  }
  extra_layers = var.package.extra_layers
}

################################################################################
# KMS key (unless one is given)
################################################################################

data "aws_iam_policy_document" "kms" {
  count = local.create_kms_key ? 1 : 0

  #checkov:skip=CKV_AWS_109:Key policy: "*" is this key; the account root statement is the standard delegation to IAM.
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key; the account root statement is the standard delegation to IAM.
  #checkov:skip=CKV_AWS_356:Key policy: "*" is this key; every service statement is further scoped by conditions.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["${local.arn_prefix}:iam::${local.account_id}:root"]
    }
  }

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

  statement {
    sid       = "CloudWatchLogsEncryptsTheFunctionLogGroup"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.log_group_arn]
    }
  }

  dynamic "statement" {
    for_each = length(local.rule_arns) > 0 ? [1] : []
    content {
      sid       = "AlertRulesUseKeyForDlqAndTopic"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = local.rule_arns
      }
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  region                  = var.region
  description             = "Genesys audit alerting (${var.name}): topic, DLQ, idempotency table, logs, environment"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = var.tags

  # KMS rejects a key policy naming a role that does not exist yet.
  depends_on = [aws_iam_role.this]
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  region        = var.region
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
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

  dynamic "statement" {
    for_each = length(local.rule_arns) > 0 ? [1] : []
    content {
      sid       = "AlertRulesPublish"
      actions   = ["sns:Publish"]
      resources = [local.topic_arn]
      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = local.rule_arns
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:Receive"]
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

  # SNS rejects a policy naming a principal that does not exist yet.
  depends_on = [aws_iam_role.this]
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
# Dead-letter queue: EventBridge delivery failures and function failures
################################################################################

resource "aws_sqs_queue" "dlq" {
  count = var.create ? 1 : 0

  region                            = var.region
  name                              = local.dlq_name
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

data "aws_iam_policy_document" "dlq" {
  count = var.create ? 1 : 0

  dynamic "statement" {
    for_each = length(local.rule_arns) > 0 ? [1] : []
    content {
      sid       = "EventBridgeDeadLettersFromAlertRules"
      actions   = ["sqs:SendMessage"]
      resources = [local.dlq_arn]
      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = local.rule_arns
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [local.dlq_arn]
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

resource "aws_sqs_queue_policy" "dlq" {
  count = var.create ? 1 : 0

  region    = var.region
  queue_url = aws_sqs_queue.dlq[0].id
  policy    = data.aws_iam_policy_document.dlq[0].json
}

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
# Function: role, log group, Lambda
################################################################################

data "aws_iam_policy_document" "assume" {
  count = var.create ? 1 : 0

  statement {
    sid     = "LambdaAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = local.role_name
  description          = "Genesys audit alert function ${var.name} in ${var.region}"
  assume_role_policy   = data.aws_iam_policy_document.assume[0].json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

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

  statement {
    sid       = "DeadLetterFailedInvocations"
    actions   = ["sqs:SendMessage"]
    resources = [local.dlq_arn]
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
    for_each = var.kms_key_arn != null ? [1] : []
    content {
      sid       = "UseGivenKmsKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "alert"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.function[0].json
}

resource "aws_iam_role_policy_attachment" "xray" {
  count = var.create && var.tracing_enabled ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

resource "aws_iam_role_policy_attachment" "vpc" {
  count = var.create && var.vpc_config != null ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  region            = var.region
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_117:VPC is opt-in (var.vpc_config); the function only calls AWS APIs and the chat/paging HTTPS endpoints.
  #checkov:skip=CKV_AWS_272:Code signing is opt-in (var.code_signing_config_arn); the zip is built from this repository at plan time.
  #checkov:skip=CKV_AWS_50:X-Ray is opt-in (var.tracing_enabled) for cost; with it the mode is Active.
  region                         = var.region
  function_name                  = var.name
  description                    = "Genesys audit alerts: SNS, Slack, Teams, PagerDuty"
  role                           = aws_iam_role.this[0].arn
  runtime                        = module.package.runtime
  architectures                  = module.package.architectures
  handler                        = module.package.handler
  filename                       = module.package.filename
  source_code_hash               = module.package.source_code_hash
  layers                         = module.package.layers
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = local.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = local.environment
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq[0].arn
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this[0].name
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  count = var.create ? 1 : 0

  region                       = var.region
  function_name                = aws_lambda_function.this[0].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
}

################################################################################
# EventBridge targets: one per alert rule, with rule key and severity added
################################################################################

resource "aws_lambda_permission" "events" {
  for_each = var.create ? var.rules : {}

  region        = var.region
  statement_id  = "AllowEventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = each.value.rule_arn
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.create ? var.rules : {}

  region         = var.region
  rule           = each.value.rule_name
  event_bus_name = each.value.event_bus_name
  target_id      = var.name
  arn            = aws_lambda_function.this[0].arn

  input_transformer {
    # <aws.events.event> is the whole event; it must stay unquoted. jsonencode escapes <, > and &
    # in the constants, so a title can never be read as a placeholder.
    input_template = "{\"rule\": ${jsonencode(each.key)}, \"severity\": ${jsonencode(each.value.severity)}, \"title\": ${jsonencode(each.value.title)}, \"runbook_url\": ${jsonencode(each.value.runbook_url)}, \"event\": <aws.events.event>}"
  }

  retry_policy {
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq[0].arn
  }

  depends_on = [aws_lambda_permission.events, aws_sqs_queue_policy.dlq]
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
