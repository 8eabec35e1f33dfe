output "function_name" {
  description = "Name of the consumer function."
  value       = var.create ? aws_lambda_function.this[0].function_name : null
}

output "function_arn" {
  description = "ARN of the consumer function."
  value       = var.create ? aws_lambda_function.this[0].arn : null
}

output "role_arn" {
  description = "ARN of the function's role."
  value       = var.create ? aws_iam_role.this[0].arn : null
}

output "idempotency_table_name" {
  description = "The DynamoDB idempotency table."
  value       = var.create ? local.table_name : null
}
