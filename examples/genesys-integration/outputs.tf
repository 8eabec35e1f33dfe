output "integration_id" {
  description = "The Genesys integration."
  value       = module.genesys_integration.integration_id
}

output "partner_event_source_name" {
  description = "The partner event source Genesys creates, which the bus binds."
  value       = module.genesys_integration.partner_event_source_name
}

output "event_bus_name" {
  description = "The partner bus."
  value       = module.genesys_audit.event_bus_name
}
