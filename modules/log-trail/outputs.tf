output "log_group_name" {
  description = "Name of the trail log group."
  value       = var.create ? var.name : null
}

output "log_group_arn" {
  description = "ARN of the trail log group (the EventBridge target ARN)."
  value       = var.create ? local.log_group_arn : null
}

output "destination" {
  description = "The trail as an audit-rules destination. Known once the log group and its resource policy exist, so the targets are put after them."
  value       = var.create ? { arn = local.log_group_arn } : null
  depends_on  = [aws_cloudwatch_log_group.this, aws_cloudwatch_log_resource_policy.this]
}
