# Scheduled backfill from the Genesys audit API (lambda_src/backfill): an EventBridge schedule invokes
# the function, which puts the last `lookback_hours` full hours onto the custom bus, skipping the windows
# its SSM checkpoint marks done. One run at a time (reserved concurrency 1, no async retries: the next
# scheduled run resumes from the checkpoint). IAM is limited to the bus, the secret, the parameter, the
# trail log group and its own log group.

locals {
  residency       = jsondecode(file("${path.module}/../../residency.json")) # genesys_domains: every Genesys region
  partition       = var.partition
  account_id      = var.account_id
  event_bus_arn   = "arn:${local.partition}:events:${var.region}:${local.account_id}:event-bus/${var.event_bus_name}"
  parameter_name  = coalesce(var.checkpoint_parameter_name, "/${var.name}/checkpoint")
  parameter_arn   = "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${local.parameter_name}"
  trail_group_arn = var.trail_log_group_name == null ? null : "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${var.trail_log_group_name}"

  environment = merge(
    {
      EVENT_BUS_NAME                 = var.event_bus_name
      EVENT_SOURCE                   = var.event_source
      GENESYS_REGION                 = var.genesys_region
      GENESYS_CREDENTIALS_SECRET_ARN = var.genesys_credentials_secret_arn
      CHECKPOINT_PARAMETER_NAME      = local.parameter_name
      BACKFILL_LOOKBACK_HOURS        = tostring(var.lookback_hours)
      BACKFILL_SETTLE_MINUTES        = tostring(var.settle_minutes)
      POWERTOOLS_SERVICE_NAME        = var.name
      POWERTOOLS_METRICS_NAMESPACE   = var.metrics_namespace
    },
    length(var.service_names) == 0 ? {} : { GENESYS_SERVICE_NAMES = join(",", var.service_names) },
    var.trail_log_group_name == null ? {} : { TRAIL_LOG_GROUP = var.trail_log_group_name },
  )
}

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  statement {
    sid       = "PutEventsOnTheAuditBus"
    actions   = ["events:PutEvents"]
    resources = [local.event_bus_arn]
  }

  statement {
    sid       = "ReadGenesysClientCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.genesys_credentials_secret_arn]
  }

  statement {
    sid       = "KeepTheCheckpoint"
    actions   = ["ssm:GetParameter", "ssm:PutParameter"]
    resources = [local.parameter_arn]
  }

  dynamic "statement" {
    for_each = var.genesys_credentials_kms_key_arn == null ? [] : [1]
    content {
      sid       = "DecryptClientCredentialsThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = [var.genesys_credentials_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.trail_log_group_name == null ? [] : [1]
    content {
      sid       = "ReadTheTrailForPresentAudits"
      actions   = ["logs:FilterLogEvents"]
      resources = ["${local.trail_group_arn}:*"]
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
  description                    = "Genesys audit API -> PutEvents on ${var.event_bus_name} (scheduled backfill)"
  handler_package                = "backfill"
  policy_json                    = try(data.aws_iam_policy_document.function[0].json, "{}")
  environment                    = local.environment
  package                        = merge(var.package, { extra_layers = concat(compact([var.genesys_sdk_layer_arn]), var.package.extra_layers) })
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  async_invoke                   = { maximum_retry_attempts = 0, maximum_event_age_in_seconds = 3600 }
  kms_key_arn                    = var.kms_key_arn
  log_retention_in_days          = var.log_retention_in_days
  tags                           = var.tags
}

resource "aws_cloudwatch_event_rule" "schedule" {
  count = var.create ? 1 : 0

  region              = var.region
  name                = var.name
  description         = "Runs the Genesys audit backfill (${var.schedule_expression})"
  schedule_expression = var.schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  count = var.create ? 1 : 0

  region    = var.region
  rule      = aws_cloudwatch_event_rule.schedule[0].name
  target_id = "backfill"
  arn       = module.function.function_arn
}

resource "aws_lambda_permission" "schedule" {
  count = var.create ? 1 : 0

  region        = var.region
  statement_id  = "ScheduleInvokesBackfill"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[0].arn
}

################################################################################
# Alarms: a failed run, and holes the run found in the trail
################################################################################

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-errors"
  alarm_description   = "A backfill run failed (bad credentials, a missing audits:audit:view scope, the audit API or PutEvents). The next scheduled run resumes from the checkpoint, but until a run succeeds no hole is filled: check ${module.function.log_group_name}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = module.function.function_name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = compact([var.ops_topic_arn])
  ok_actions          = compact([var.ops_topic_arn])
  tags                = var.tags
}

# With the trail known, every record put is one the trail was missing: a hole in the audit trail
# (integration disabled, a dropped partner source, scope drift) that the run has just filled.
resource "aws_cloudwatch_metric_alarm" "holes" {
  count = var.create && var.trail_log_group_name != null ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-holes-filled"
  alarm_description   = "The trail ${coalesce(var.trail_log_group_name, "-")} was missing audits that the Genesys audit API holds; the backfill put them on ${var.event_bus_name}. Find why the live path lost them (integration state, partner source, event filter) in ${module.function.log_group_name}: each run logs its windows and counts."
  namespace           = var.metrics_namespace
  metric_name         = "BackfillRecordsPut"
  dimensions          = { service = var.name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = compact([var.ops_topic_arn])
  tags                = var.tags
}
