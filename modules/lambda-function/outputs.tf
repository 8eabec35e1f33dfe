output "function_name" {
  description = "Function name."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "function_arn" {
  description = "Function ARN."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "role_arn" {
  description = "Execution role ARN."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "role_name" {
  description = "Execution role name (known at plan time; referencing it orders a resource after the role)."
  value       = try(aws_iam_role.this[0].name, null)
}

output "log_group_name" {
  description = "The function's log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "source_code_hash" {
  description = "Base64 SHA-256 of the zip; changes only when the code does."
  value       = try(data.archive_file.this[0].output_base64sha256, null)
}

output "dlq_arn" {
  description = "ARN of the function's dead-letter queue, or null without one."
  value       = module.dlq.arn
}

output "dlq_name" {
  description = "Name of the function's dead-letter queue, or null without one."
  value       = module.dlq.name
}

output "dlq_url" {
  description = "URL of the function's dead-letter queue, or null without one."
  value       = module.dlq.url
}
