output "pipeline" {
  description = "The pipeline's main identifiers."
  value       = module.genesys_audit.pipeline
}
