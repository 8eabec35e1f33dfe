output "query_definition_names" {
  description = "Names of the Logs Insights query definitions, keyed by rule key."
  value       = { for k, q in aws_cloudwatch_query_definition.this : k => q.name }
}

output "dashboard_name" {
  description = "Name of the pipeline dashboard, or null."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_name)
}
