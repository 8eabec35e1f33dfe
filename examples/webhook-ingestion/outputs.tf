output "event_bus_name" {
  description = "The custom bus the webhook feeds."
  value       = module.genesys_audit.event_bus_name
}

output "webhook_url" {
  description = "The URL to give Genesys Cloud as the webhook target (POST)."
  value       = module.genesys_audit.webhook_url
}

output "pipeline" {
  description = "The pipeline's identifiers."
  value       = module.genesys_audit.pipeline
}
