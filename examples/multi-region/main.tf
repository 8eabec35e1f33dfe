# Two EU compliance regions with one provider: the AWS provider v6 per-resource `region` lets one
# module call per region share a provider. Each region has its own Genesys EventBridge integration
# (and so its own partner source); events never leave their region.

provider "aws" {
  region = "eu-central-1"
}

module "genesys_audit" {
  source   = "../.."
  for_each = var.regions

  name                = "genesys-audit"
  region              = each.key
  data_residency      = "EU"
  genesys_org_id      = var.genesys_org_id
  event_source_suffix = each.value.event_source_suffix

  exclusions = { client_ids = var.automation_client_ids }
  tags       = { Region = each.key }
}
