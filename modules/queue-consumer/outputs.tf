output "function_name" {
  description = "Name of the consumer function."
  value       = var.create ? module.function.function_name : null
}

output "function_arn" {
  description = "ARN of the consumer function."
  value       = var.create ? module.function.function_arn : null
}

output "role_arn" {
  description = "ARN of the function's role."
  value       = var.create ? module.function.role_arn : null
}

output "idempotency_table_name" {
  description = "The DynamoDB idempotency table."
  value       = var.create ? local.table_name : null
}
