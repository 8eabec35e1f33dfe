output "function_name" {
  description = "Name of the backfill function."
  value       = var.create ? module.function.function_name : null
}

output "function_arn" {
  description = "ARN of the backfill function."
  value       = var.create ? module.function.function_arn : null
}

output "role_arn" {
  description = "ARN of the function's role."
  value       = var.create ? module.function.role_arn : null
}

output "schedule_rule_arn" {
  description = "ARN of the schedule rule that invokes the function."
  value       = var.create ? aws_cloudwatch_event_rule.schedule[0].arn : null
}

output "checkpoint_parameter_name" {
  description = "The SSM parameter holding the checkpoint (created by the function on its first run)."
  value       = var.create ? local.parameter_name : null
}

output "log_group_name" {
  description = "The function's log group (each run logs its windows and counts)."
  value       = var.create ? module.function.log_group_name : null
}
