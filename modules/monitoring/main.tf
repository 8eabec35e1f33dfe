# Every failure path ends in an alarm: failed rule invocations, events that could not even be
# dead-lettered, messages in a dead-letter queue, and silence (the pipeline stopped delivering, e.g.
# the Genesys integration was disabled).

locals {
  create_topic = var.create && var.ops_topic_arn == null
  topic_name   = "${var.name}-ops"
  topic_arn    = local.create_topic ? "arn:${var.partition}:sns:${var.region}:${var.account_id}:${local.topic_name}" : var.ops_topic_arn
  actions      = var.create ? [local.topic_arn] : []
}

resource "aws_sns_topic" "ops" {
  count = local.create_topic ? 1 : 0

  region            = var.region
  name              = local.topic_name
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "ops" {
  count = local.create_topic ? 1 : 0

  statement {
    sid       = "CloudWatchAlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
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

resource "aws_sns_topic_policy" "ops" {
  count = local.create_topic ? 1 : 0

  region = var.region
  arn    = aws_sns_topic.ops[0].arn
  policy = data.aws_iam_policy_document.ops[0].json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = local.create_topic ? toset(var.ops_email_subscriptions) : toset([])

  region    = var.region
  topic_arn = aws_sns_topic.ops[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "failed_invocations" {
  for_each = var.create ? toset(var.rule_names) : toset([])

  region              = var.region
  alarm_name          = "${each.value}-failed-invocations"
  alarm_description   = "EventBridge could not deliver events matched by ${each.value} to a target after its retries (FailedInvocations). Each such event goes to the targets' dead-letter queue, or, if even that fails, is counted by the ${each.value}-dlq-send-failed alarm: check the target's resource policy, key policy and throttling."
  namespace           = "AWS/Events"
  metric_name         = "FailedInvocations"
  dimensions          = { RuleName = each.value, EventBusName = var.event_bus_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "failed_to_dead_letter" {
  for_each = var.create ? toset(var.rule_names) : toset([])

  region              = var.region
  alarm_name          = "${each.value}-dlq-send-failed"
  alarm_description   = "EventBridge could deliver neither to a target of ${each.value} nor to the targets' dead-letter queue (InvocationsFailedToBeSentToDlq): those audit events are lost unless replayed from the archive. Check the dead-letter queue's policy and KMS key policy, then replay the window from the archive."
  namespace           = "AWS/Events"
  metric_name         = "InvocationsFailedToBeSentToDlq"
  dimensions          = { RuleName = each.value, EventBusName = var.event_bus_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each = var.create ? toset(var.dead_letter_queue_names) : toset([])

  region              = var.region
  alarm_name          = "${each.value}-not-empty"
  alarm_description   = "Audit events are waiting in ${each.value}, which a target or function could not take after its retries: fix the cause (the target's or function's log), then redrive them (to a function: re-invoke it with each message body)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "silence" {
  count = var.create && var.silence.enabled && var.silence.rule_name != null ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-pipeline-silence"
  alarm_description   = "No Genesys audit event matched ${var.silence.rule_name} for ${var.silence.hours} h: check the Genesys integration, the partner source and the bus."
  namespace           = "AWS/Events"
  metric_name         = "MatchedEvents"
  dimensions          = { RuleName = var.silence.rule_name, EventBusName = var.event_bus_name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = var.silence.hours
  datapoints_to_alarm = var.silence.hours
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}
