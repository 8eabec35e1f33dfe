output "environment" {
  description = "Environment variables the function reads (genesys_audit.enrichment.settings); empty when enrichment is off."
  value = local.enabled ? {
    GENESYS_ENRICHMENT_ENABLED     = "true"
    GENESYS_CREDENTIALS_SECRET_ARN = var.enrichment.credentials_secret_arn
    GENESYS_REGION                 = var.enrichment.genesys_region
    ENRICHMENT_BUDGET_MS           = tostring(var.enrichment.budget_ms)
  } : {}
}

output "policy_json" {
  description = "The role's statements for the credentials secret (and its key, through Secrets Manager only), for the function policy's source_policy_documents; null when enrichment is off."
  value       = try(data.aws_iam_policy_document.this[0].json, null)
}
