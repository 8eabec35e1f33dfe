output "arn" {
  description = "Queue ARN, known at plan time; whoever reads it is ordered after the queue policy, so a target, dead-letter config or redrive naming the queue is created once its senders are allowed."
  value       = var.create ? local.arn : null
  depends_on  = [aws_sqs_queue_policy.this]
}

output "name" {
  description = "Queue name."
  value       = var.create ? var.name : null
}

output "url" {
  description = "Queue URL."
  value       = try(aws_sqs_queue.this[0].url, null)
}
