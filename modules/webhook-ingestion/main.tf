locals {
  partition  = var.partition
  account_id = var.account_id
  arn_prefix = "arn:${local.partition}"

  function_log_group     = "/aws/lambda/${var.name}"
  access_log_group       = "/aws/apigateway/${var.name}"
  event_bus_arn          = "${local.arn_prefix}:events:${var.region}:${local.account_id}:event-bus/${var.event_bus_name}"
  function_log_group_arn = "${local.arn_prefix}:logs:${var.region}:${local.account_id}:log-group:${local.function_log_group}"
  access_log_group_arn   = "${local.arn_prefix}:logs:${var.region}:${local.account_id}:log-group:${local.access_log_group}"

  replay_table_name = "${var.name}-replay"
  replay_table_arn  = "${local.arn_prefix}:dynamodb:${var.region}:${local.account_id}:table/${local.replay_table_name}"

  create_kms_key = var.create && (var.create_kms_key != null ? var.create_kms_key : var.kms_key_arn == null)
  kms_key_arn    = var.create ? (local.create_kms_key ? module.kms.key_arn : var.kms_key_arn) : null

  environment = {
    EVENT_BUS_NAME               = var.event_bus_name
    EVENT_SOURCE                 = var.event_source
    WEBHOOK_SECRET_ARN           = var.webhook_secret_arn
    SIGNATURE_HEADER             = var.signature_header
    SIGNATURE_TIMESTAMP_HEADER   = var.signature_timestamp_header
    SIGNATURE_TOLERANCE_SECONDS  = tostring(var.signature_tolerance_seconds)
    REPLAY_TABLE_NAME            = local.replay_table_name
    REPLAY_LEASE_SECONDS         = tostring(var.timeout)
    POWERTOOLS_SERVICE_NAME      = var.name
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    POWERTOOLS_LOG_LEVEL         = var.log_level
  }

  alarm_actions = compact([var.ops_topic_arn])
}

################################################################################
# KMS key for the log groups and the function environment (unless one is given)
################################################################################

module "kms" {
  source = "../kms-key"

  create         = local.create_kms_key
  name           = var.name
  region         = var.region
  account_id     = var.account_id
  partition      = var.partition
  description    = "Genesys audit webhook ingestion (${var.name}): logs, environment, replay table"
  log_group_arns = [local.function_log_group_arn, local.access_log_group_arn]
  tags           = var.tags
}

################################################################################
# Replay store: one item per signed request seen within the signature window
################################################################################

resource "aws_dynamodb_table" "replay" {
  count = var.create ? 1 : 0

  region       = var.region
  name         = local.replay_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
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
# Function
################################################################################

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  statement {
    sid       = "PutEventsOnTheAuditBus"
    actions   = ["events:PutEvents"]
    resources = [local.event_bus_arn]
  }

  statement {
    sid       = "ReadWebhookSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.webhook_secret_arn]
  }

  # The function only writes (conditional PutItem); it never reads, updates or deletes.
  statement {
    sid       = "RecordSignedRequestsForReplayRefusal"
    actions   = ["dynamodb:PutItem"]
    resources = [local.replay_table_arn]
  }

  statement {
    sid       = "UseTheKeyForTheReplayTableThroughDynamoDB"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${var.region}.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.webhook_secret_kms_key_arn == null ? [] : [1]
    content {
      sid       = "DecryptWebhookSecretThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = [var.webhook_secret_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
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
  description                    = "Genesys audit webhook -> verify HMAC -> PutEvents on ${var.event_bus_name}"
  handler_package                = "ingestion"
  policy_json                    = try(data.aws_iam_policy_document.function[0].json, "{}")
  environment                    = local.environment
  package                        = var.package
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = local.kms_key_arn
  tracing_enabled                = var.tracing_enabled
  vpc_config                     = var.vpc_config
  code_signing_config_arn        = var.code_signing_config_arn
  log_retention_in_days          = var.log_retention_in_days
  tags                           = var.tags
}

################################################################################
# HTTP API: POST /events, GET /health
################################################################################

resource "aws_apigatewayv2_api" "this" {
  count = var.create ? 1 : 0

  region        = var.region
  name          = var.name
  protocol_type = "HTTP"
  description   = "Genesys audit webhook ingestion"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "this" {
  count = var.create ? 1 : 0

  region                 = var.region
  api_id                 = aws_apigatewayv2_api.this[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.function.function_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.timeout * 1000 + 1000
}

resource "aws_apigatewayv2_route" "events" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_309:Webhook senders cannot present IAM/JWT credentials; the function verifies each request's HMAC-SHA256 signature over timestamp and body, refuses timestamps outside the window and signed requests already seen (DynamoDB replay table), before anything reaches the bus.
  region             = var.region
  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = "POST /events"
  authorization_type = "NONE"
  target             = "integrations/${aws_apigatewayv2_integration.this[0].id}"
}

resource "aws_apigatewayv2_route" "health" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_309:Unauthenticated liveness probe for the webhook sender; returns no data.
  region             = var.region
  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = "GET /health"
  authorization_type = "NONE"
  target             = "integrations/${aws_apigatewayv2_integration.this[0].id}"
}

resource "aws_cloudwatch_log_group" "access" {
  count = var.create ? 1 : 0

  region            = var.region
  name              = local.access_log_group
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "this" {
  count = var.create ? 1 : 0

  region      = var.region
  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit    = var.throttling_rate_limit
    throttling_burst_limit   = var.throttling_burst_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access[0].arn
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      userAgent          = "$context.identity.userAgent"
    })
  }

  tags = var.tags
}

resource "aws_lambda_permission" "api" {
  for_each = var.create ? {
    events = "POST/events"
    health = "GET/health"
  } : {}

  region        = var.region
  statement_id  = "AllowHttpApi-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "apigateway.amazonaws.com"
  # Exactly this API, any stage, this route.
  source_arn = "${aws_apigatewayv2_api.this[0].execution_arn}/*/${each.value}"
}

################################################################################
# Alarm: failed PutEvents entries (EMF metric emitted by the function)
################################################################################

resource "aws_cloudwatch_metric_alarm" "put_events_failures" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-put-events-failures"
  alarm_description   = "More than ${var.put_events_failure_alarm.threshold} webhook audit events failed PutEvents on ${var.event_bus_name} within ${var.put_events_failure_alarm.period_seconds} s. Genesys retries, but disables a webhook that keeps failing: check ${local.function_log_group}."
  namespace           = var.metrics_namespace
  metric_name         = var.put_events_failure_alarm.metric_name
  dimensions          = { service = var.name }
  statistic           = "Sum"
  period              = var.put_events_failure_alarm.period_seconds
  evaluation_periods  = 1
  threshold           = var.put_events_failure_alarm.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
