output "pipelines" {
  description = "Each region's pipeline."
  value       = { for region, m in module.genesys_audit : region => m.pipeline }
}
