# The alternative ingress: a custom bus fed by a signed webhook (API Gateway HTTP API -> ingestion
# Lambda -> PutEvents), for orgs that cannot use the partner event source. The same rule catalog
# matches both paths because the ingestion Lambda puts the partner-source envelope. A scheduled backfill
# fills the holes of the trail from the Genesys audit API.

provider "aws" {
  region = var.region
}

module "genesys_audit" {
  source = "../.."

  region              = var.region
  data_residency      = "EU"
  bus_type            = "custom"
  custom_bus_name     = "genesys-audit-webhook"
  custom_event_source = "genesys.audit.webhook"

  webhook = {
    enabled = true
    # The HMAC key(s) as {"current": "...", "previous": "..."}; the ARN is fake: create the secret first.
    webhook_secret_arn     = "arn:aws:secretsmanager:${var.region}:123456789012:secret:genesys-audit/webhook-hmac-AbCdEf"
    throttling_rate_limit  = 20
    throttling_burst_limit = 40
  }

  queue    = { enabled = true }
  consumer = { enabled = true }

  # Hourly, the last 24 full hours from the Genesys audit API: what the trail is missing is put on the
  # bus (and the ops topic hears about it). The secret and the SDK layer are fake ARNs: create them first
  # (see "Backfill and gap detection" in the repository README).
  backfill = {
    enabled                = true
    genesys_region         = "mypurecloud.ie"
    credentials_secret_arn = "arn:aws:secretsmanager:${var.region}:123456789012:secret:genesys-audit/backfill-oauth-AbCdEf"
    sdk_layer_arn          = "arn:aws:lambda:${var.region}:123456789012:layer:genesys-sdk:1"
    service_names          = ["PeoplePermissions", "ContactCenter", "Directory", "Integrations", "Quality"]
  }
}
