output "function_name" {
  description = "Name of the alert function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the alert function."
  value       = module.function.function_arn
}

output "role_arn" {
  description = "ARN of the alert function's execution role."
  value       = module.function.role_arn
}

output "role_name" {
  description = "Name of the alert function's execution role."
  value       = module.function.role_name
}

output "log_group_name" {
  description = "Log group of the alert function."
  value       = module.function.log_group_name
}

output "topic_arn" {
  description = "ARN of the SNS alert topic (subscribe more endpoints, or alarm into it): known at plan time, and whoever reads it is ordered after the topic."
  value       = var.create ? local.topic_arn : null
  depends_on  = [aws_sns_topic.this]
}

output "topic_name" {
  description = "Name of the SNS alert topic."
  value       = try(aws_sns_topic.this[0].name, null)
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue of failed asynchronous invocations; alarm on its depth."
  value       = module.function.dlq_arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = module.function.dlq_name
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.function.dlq_url
}

output "idempotency_table_name" {
  description = "DynamoDB table remembering alerted audit ids."
  value       = try(aws_dynamodb_table.idempotency[0].name, null)
}

output "idempotency_table_arn" {
  description = "ARN of the idempotency table."
  value       = try(aws_dynamodb_table.idempotency[0].arn, null)
}

output "kms_key_arn" {
  description = "KMS key encrypting the alerting resources (created or given)."
  value       = local.kms_key_arn
}

output "destination" {
  description = "The alert function as a modules/audit-rules destination: its ARN and one input transformer per rule in `rules` (the rule key, severity, title and runbook URL around the event). Known once the permissions exist, so the targets are put after them."
  value = var.create ? {
    arn                     = module.function.function_arn
    rule_input_transformers = local.rule_input_transformers
  } : null
  depends_on = [aws_lambda_permission.events]
}

output "alerting" {
  description = "Everything above in one object."
  value = var.create ? {
    function_name          = module.function.function_name
    function_arn           = module.function.function_arn
    role_arn               = module.function.role_arn
    log_group_name         = module.function.log_group_name
    topic_arn              = local.topic_arn
    dlq_arn                = module.function.dlq_arn
    dlq_name               = module.function.dlq_name
    idempotency_table_name = aws_dynamodb_table.idempotency[0].name
    kms_key_arn            = local.kms_key_arn
  } : null
  depends_on = [aws_sns_topic.this]
}
