output "event_bus_name" {
  description = "The custom bus the webhook feeds."
  value       = module.genesys_audit.event_bus_name
}
