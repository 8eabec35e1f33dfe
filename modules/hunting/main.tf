# Views for a SOC over the pipeline: a Logs Insights query definition per catalog rule over the trail
# (generated from the catalog: modules/audit-rules/queries.json) and a CloudWatch dashboard of the
# pipeline's own metrics.

locals {
  queries = jsondecode(file("${path.module}/../audit-rules/queries.json"))
  query_keys = var.create && var.query_definitions.enabled ? toset([
    for k in var.query_definitions.rule_keys : k if contains(keys(local.queries), k)
  ]) : toset([])

  d      = var.dashboard
  region = coalesce(var.region, "us-east-1")
  bus    = local.d.event_bus_name
  widgets = concat(
    local.d.trail_rule_name == null ? [] : [{
      type = "metric", width = 12, height = 6
      properties = {
        title   = "Events in (trail rule MatchedEvents)", region = local.region, stat = "Sum", period = 300, view = "timeSeries"
        metrics = [["AWS/Events", "MatchedEvents", "RuleName", local.d.trail_rule_name, "EventBusName", local.bus]]
      }
    }],
    [{
      type = "metric", width = 12, height = 6
      properties = {
        title = "Matches per rule", region = local.region, stat = "Sum", period = 300, view = "timeSeries", stacked = true
        # The detection rules (the trail rule, which matches everything, has its own widgets).
        metrics = [for n in local.d.rule_names : ["AWS/Events", "MatchedEvents", "RuleName", n, "EventBusName", local.bus] if n != local.d.trail_rule_name]
      }
    }],
    local.d.alert_service == null ? [] : [{
      type = "metric", width = 12, height = 6
      properties = {
        title = "Alerts sent", region = local.region, stat = "Sum", period = 300, view = "timeSeries"
        metrics = [for m in ["AlertsSent", "AlertDuplicatesSuppressed", "AlertChannelFailures", "AlertDeduplicationUnavailable"] :
        [local.d.metrics_namespace, m, "service", local.d.alert_service]]
      }
    }],
    [{
      type = "metric", width = 12, height = 6
      properties = {
        title = "Failed invocations (after retries) and failures to reach the dead-letter queue", region = local.region, stat = "Sum", period = 300, view = "timeSeries"
        metrics = concat([for n in local.d.rule_names : ["AWS/Events", "FailedInvocations", "RuleName", n, "EventBusName", local.bus]],
        [for n in local.d.rule_names : ["AWS/Events", "InvocationsFailedToBeSentToDlq", "RuleName", n, "EventBusName", local.bus]])
      }
    }],
    [{
      type = "metric", width = 12, height = 6
      properties = {
        title   = "Dead-letter queue depth", region = local.region, stat = "Maximum", period = 300, view = "timeSeries"
        metrics = [for q in local.d.dead_letter_queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q]]
      }
    }],
    local.d.trail_rule_name == null ? [] : [{
      type = "metric", width = 12, height = 6
      properties = {
        title       = "Silence: audit events per hour (0 for ${local.d.silence_hours} h raises the silence alarm)", region = local.region, stat = "Sum", period = 3600, view = "timeSeries"
        metrics     = [["AWS/Events", "MatchedEvents", "RuleName", local.d.trail_rule_name, "EventBusName", local.bus]]
        annotations = { horizontal = [{ label = "silence", value = 0 }] }
      }
    }],
    # An alarm widget shows at most 100 alarms.
    [for i, chunk in chunklist(local.d.alarm_arns, 100) : {
      type       = "alarm", width = 24, height = 4
      properties = { title = "Pipeline alarms${i == 0 ? "" : " (${i + 1})"}", alarms = chunk }
    }],
  )
}

resource "aws_cloudwatch_query_definition" "this" {
  for_each = local.query_keys

  region          = var.region
  name            = "${var.name}/hunting/${each.key}"
  log_group_names = var.query_definitions.log_group_names
  query_string    = local.queries[each.key]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create && var.dashboard.enabled ? 1 : 0

  region         = var.region
  dashboard_name = "${var.name}-pipeline"
  dashboard_body = jsonencode({ widgets = local.widgets })
}
