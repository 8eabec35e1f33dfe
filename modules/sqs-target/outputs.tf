output "queue_arn" {
  description = "ARN of the queue, known at plan time; what reads it (an event source mapping, a target) is made after the queue and its policy."
  value       = module.queue.arn
}

output "queue_name" {
  description = "Name of the queue."
  value       = var.create ? var.name : null
}

output "queue_url" {
  description = "URL of the queue."
  value       = module.queue.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.dlq.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.dlq.url
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = var.create ? local.dlq_name : null
}

output "destination" {
  description = "The queue as an audit-rules destination, read once the queue policy exists, so the targets are put after it."
  value       = var.create ? { arn = module.queue.arn } : null
}
