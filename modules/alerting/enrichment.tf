# Name enrichment (README, "Enrichment"): the function reads names for the ids in each alert from the
# Genesys Cloud API, with a read-only client-credentials OAuth client whose secret only this function may read.

locals {
  enrichment_residency = jsondecode(file("${path.module}/../../residency.json")) # genesys_domains: every Genesys region
  enrichment_environment = var.enrichment.enabled ? {
    GENESYS_ENRICHMENT_ENABLED     = "true"
    GENESYS_CREDENTIALS_SECRET_ARN = var.enrichment.credentials_secret_arn
    GENESYS_REGION                 = var.enrichment.genesys_region
    ENRICHMENT_BUDGET_MS           = tostring(var.enrichment.budget_ms)
  } : {}
}
