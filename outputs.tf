output "region" {
  description = "The region of this pipeline."
  value       = var.region
}

output "event_bus_name" {
  description = "Name of the bus (the partner source name for a partner bus)."
  value       = module.bus.bus_name
}

output "event_bus_arn" {
  description = "ARN of the bus."
  value       = module.bus.bus_arn
}

output "partner_event_source_name" {
  description = "The partner event source the bus is bound to."
  value       = module.bus.partner_event_source_name
}

output "rules" {
  description = "Every rule keyed by rule key: name, ARN, severity, title, domain, runbook URL, destinations, pattern."
  value       = module.rules.rules
}

output "rule_arns" {
  description = "ARNs of every rule."
  value       = module.rules.rule_arns
}

output "alert_rules" {
  description = "Rules routed to \"alert\", in the shape modules/alerting takes as `rules`."
  value       = local.alert_rules
}

output "targets_dlq_arn" {
  description = "Dead-letter queue of every rule target."
  value       = module.rules.dlq_arn
}

output "bus_dlq_arn" {
  description = "Dead-letter queue of the bus: events the CMK-encrypted bus could not encrypt or deliver."
  value       = module.bus.dlq_arn
}

output "trail_log_group_name" {
  description = "The trail's log group."
  value       = module.trail.log_group_name
}

output "queue_arn" {
  description = "The detections queue."
  value       = module.queue.queue_arn
}

output "queue_url" {
  description = "URL of the detections queue."
  value       = module.queue.queue_url
}

output "queue_dlq_arn" {
  description = "The detections queue's dead-letter queue."
  value       = module.queue.dlq_arn
}

output "ops_topic_arn" {
  description = "The topic operational alarms notify."
  value       = module.monitoring.ops_topic_arn
}

output "kms_key_arn" {
  description = "The KMS key of the pipeline."
  value       = var.create ? local.key_arn : null
}

output "backfill_function_name" {
  description = "The scheduled backfill function (null unless backfill.enabled)."
  value       = module.backfill.function_name
}

output "webhook_url" {
  description = "The URL to give Genesys as the webhook target (null unless webhook.enabled with a custom bus)."
  value       = module.webhook.webhook_url
}

output "alert_topic_arn" {
  description = "The SNS topic alerts are published to (null unless alerting.enabled)."
  value       = module.alerting.topic_arn
}

output "alert_function_name" {
  description = "The alert function (null unless alerting.enabled)."
  value       = module.alerting.function_name
}

output "alert_dlq_url" {
  description = "URL of the alert function's dead-letter queue (null unless alerting.enabled)."
  value       = module.alerting.dlq_url
}

output "firehose_stream_arn" {
  description = "The Firehose stream that delivers to Splunk (null unless siem.enabled)."
  value       = module.siem.stream_arn
}

output "consumer_function_name" {
  description = "The detections queue's consumer function (null unless consumer.enabled and queue.enabled)."
  value       = module.consumer.function_name
}

output "targets_dlq_url" {
  description = "URL of the dead-letter queue of every rule target."
  value       = module.rules.dlq_url
}

output "bus_dlq_url" {
  description = "URL of the bus's dead-letter queue."
  value       = module.bus.dlq_url
}

output "queue_dlq_url" {
  description = "URL of the detections queue's dead-letter queue (null unless queue.enabled)."
  value       = module.queue.dlq_url
}

output "pipeline" {
  description = "Every identifier above in one object (null where a path is off)."
  value = {
    region                    = var.region
    event_bus_name            = module.bus.bus_name
    event_bus_arn             = module.bus.bus_arn
    partner_event_source_name = module.bus.partner_event_source_name
    rule_arns                 = module.rules.rule_arns
    trail                     = module.trail.log_group_name
    queue_arn                 = module.queue.queue_arn
    queue_url                 = module.queue.queue_url
    ops_topic_arn             = module.monitoring.ops_topic_arn
    kms_key_arn               = var.create ? local.key_arn : null
    webhook_url               = module.webhook.webhook_url
    alert_topic_arn           = module.alerting.topic_arn
    alert_function_name       = module.alerting.function_name
    firehose_stream_arn       = module.siem.stream_arn
    consumer_function_name    = module.consumer.function_name
    backfill_function_name    = module.backfill.function_name
    targets_dlq_arn           = module.rules.dlq_arn
    dlq_urls = {
      targets = module.rules.dlq_url
      bus     = module.bus.dlq_url
      queue   = module.queue.dlq_url
      alert   = module.alerting.dlq_url
    }
  }
}
