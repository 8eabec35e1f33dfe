output "bus_name" {
  description = "Name of the bus (for a partner bus, the partner event source name). Read from the resource so that rules depend on the bus."
  value       = var.create ? aws_cloudwatch_event_bus.this[0].name : null
}

output "bus_arn" {
  description = "ARN of the bus (built from its name: known at plan time)."
  value       = var.create ? local.bus_arn : null
}

output "partner_event_source_name" {
  description = "The partner event source the bus is bound to (null for a custom bus)."
  value       = var.create && var.type == "partner" ? local.partner_source : null
}

output "archive_arn" {
  description = "ARN of the archive, or null."
  value       = var.create && var.archive.enabled ? "arn:${var.partition}:events:${var.region}:${var.account_id}:archive/${local.archive_name}" : null
}

output "dlq_name" {
  description = "Name of the bus's dead-letter queue (events the bus could not encrypt or deliver), or null."
  value       = local.has_dlq ? local.dlq_name : null
}

output "dlq_arn" {
  description = "ARN of the bus's dead-letter queue, or null."
  value       = module.dlq.arn
}

output "dlq_url" {
  description = "URL of the bus's dead-letter queue (null without one)."
  value       = module.dlq.url
}
