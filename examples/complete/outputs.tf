output "pipeline" {
  description = "The pipeline's main identifiers."
  value       = module.genesys_audit.pipeline
}

output "rules" {
  description = "Rules by key with severity and destinations."
  value       = { for k, r in module.genesys_audit.rules : k => { name = r.name, severity = r.severity, destinations = r.destinations } }
}
