output "event_bus_name" {
  description = "The partner bus."
  value       = module.genesys_audit.event_bus_name
}

output "rules" {
  description = "Rule names by key."
  value       = { for k, r in module.genesys_audit.rules : k => r.name }
}
