output "rules" {
  description = "Rule names by key."
  value       = { for k, r in module.genesys_audit.rules : k => r.name }
}
