output "queue_arn" {
  description = "ARN of the queue. Known once the queue exists, so what reads from it (an event source mapping) is made after it."
  value       = var.create ? local.queue_arn : null
  depends_on  = [aws_sqs_queue.this]
}

output "queue_name" {
  description = "Name of the queue."
  value       = var.create ? var.name : null
}

output "queue_url" {
  description = "URL of the queue."
  value       = var.create ? aws_sqs_queue.this[0].url : null
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = var.create ? local.dlq_arn : null
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = try(aws_sqs_queue.dlq[0].url, null)
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = var.create ? local.dlq_name : null
}

output "destination" {
  description = "The queue as an audit-rules destination. Known once the queue policy exists, so the targets are put after it."
  value       = var.create ? { arn = local.queue_arn } : null
  depends_on  = [aws_sqs_queue_policy.this]
}
