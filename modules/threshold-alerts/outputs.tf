output "function_name" {
  description = "Name of the threshold function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the threshold function."
  value       = module.function.function_arn
}

output "role_name" {
  description = "Name of the threshold function's execution role."
  value       = module.function.role_name
}

output "table_name" {
  description = "DynamoDB table of the counts (members and counters, expiring past their window)."
  value       = try(aws_dynamodb_table.counts[0].name, null)
}

output "table_arn" {
  description = "ARN of the counting table."
  value       = try(aws_dynamodb_table.counts[0].arn, null)
}

output "dlq_name" {
  description = "Name of the dead-letter queue of failed invocations."
  value       = module.function.dlq_name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue of failed invocations."
  value       = module.function.dlq_arn
}

output "destination" {
  description = "The threshold function as a modules/audit-rules destination: its ARN and one input transformer per rule in `rules` (the rule key, severity, title, runbook URL and threshold around the event). Known once the permissions exist, so the targets are put after them."
  value = var.create ? {
    arn                     = module.function.function_arn
    rule_input_transformers = local.rule_input_transformers
  } : null
  depends_on = [aws_lambda_permission.events]
}
