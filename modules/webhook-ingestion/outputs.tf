output "api_id" {
  description = "Id of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].id, null)
}

output "api_endpoint" {
  description = "Base URL of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].api_endpoint, null)
}

output "webhook_url" {
  description = "URL to configure in Genesys Cloud as the webhook target (POST)."
  value       = var.create ? "${aws_apigatewayv2_stage.this[0].invoke_url}events" : null
}

output "health_url" {
  description = "Liveness URL (GET)."
  value       = var.create ? "${aws_apigatewayv2_stage.this[0].invoke_url}health" : null
}

output "function_name" {
  description = "Name of the ingestion function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the ingestion function."
  value       = module.function.function_arn
}

output "role_arn" {
  description = "ARN of the ingestion function's execution role."
  value       = module.function.role_arn
}

output "log_group_name" {
  description = "Log group of the ingestion function."
  value       = module.function.log_group_name
}

output "access_log_group_name" {
  description = "Log group of the API access logs."
  value       = try(aws_cloudwatch_log_group.access[0].name, null)
}

output "put_events_failure_alarm_arn" {
  description = "ARN of the PutEvents-failure alarm."
  value       = try(aws_cloudwatch_metric_alarm.put_events_failures[0].arn, null)
}

output "replay_table_name" {
  description = "DynamoDB table recording the signed requests seen within the signature window (replay refusal)."
  value       = try(aws_dynamodb_table.replay[0].name, null)
}

output "replay_table_arn" {
  description = "ARN of the replay table."
  value       = try(aws_dynamodb_table.replay[0].arn, null)
}

output "kms_key_arn" {
  description = "KMS key encrypting the log groups, the environment and the replay table (created or given)."
  value       = local.kms_key_arn
}

output "webhook_ingestion" {
  description = "Everything above in one object."
  value = var.create ? {
    api_id                       = aws_apigatewayv2_api.this[0].id
    webhook_url                  = "${aws_apigatewayv2_stage.this[0].invoke_url}events"
    function_name                = module.function.function_name
    function_arn                 = module.function.function_arn
    role_arn                     = module.function.role_arn
    log_group_name               = module.function.log_group_name
    put_events_failure_alarm_arn = aws_cloudwatch_metric_alarm.put_events_failures[0].arn
    replay_table_name            = aws_dynamodb_table.replay[0].name
    kms_key_arn                  = local.kms_key_arn
  } : null
}
