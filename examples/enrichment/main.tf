# Alerts and findings with names: the alert function and the queue consumer look up the acting user and
# OAuth client, the entity, divisions and roles in the Genesys Cloud API (a read-only client-credentials
# OAuth client, its secret in Secrets Manager), within 1.5 s per alert; on timeout or refusal the alert
# goes out with ids and a "names unavailable" note. `make demo` simulates it against a fake Genesys API.

provider "aws" {
  region = var.region
}

module "genesys_audit" {
  source = "../.."

  name                = "genesys-audit"
  region              = var.region
  data_residency      = "EU"
  genesys_org_id      = var.genesys_org_id
  event_source_suffix = var.event_source_suffix

  queue = { enabled = true }

  alerting = {
    enabled              = true
    email_subscriptions  = ["soc@example.com"]
    slack_secret_arn     = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/slack-AbCdEf"
    teams_secret_arn     = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/teams-AbCdEf"
    pagerduty_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/pagerduty-AbCdEf"
    enrichment = {
      enabled                = true
      credentials_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/genesys-names-AbCdEf"
      genesys_region         = "mypurecloud.de" # inside data_residency = "EU"
      budget_ms              = 1500
    }
  }

  consumer = {
    enabled = true
    enrichment = {
      enabled                = true
      credentials_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/genesys-names-AbCdEf"
      genesys_region         = "mypurecloud.de"
    }
  }

  tags = { Environment = "example", Owner = "security" }
}
