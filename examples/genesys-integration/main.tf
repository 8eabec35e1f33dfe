# Both halves of the connection in one root module: the Genesys "Amazon EventBridge Source" integration
# (genesyscloud provider) and the regional pipeline that binds its partner source (aws provider).
# Apply in two steps (see README.md): the partner source exists only after Genesys created it.

provider "aws" {
  region = var.region
}

# Credentials: GENESYSCLOUD_OAUTHCLIENT_ID / GENESYSCLOUD_OAUTHCLIENT_SECRET (a client whose role has
# integrations:integration:add/edit/view/delete), never in the configuration.
provider "genesyscloud" {
  aws_region = "eu-central-1" # the Genesys org's region: mypurecloud.de is hosted in eu-central-1
}

data "aws_caller_identity" "current" {}

module "genesys_integration" {
  source = "../../modules/genesys-integration"

  genesys_region      = var.genesys_region
  genesys_org_id      = var.genesys_org_id
  aws_account_id      = data.aws_caller_identity.current.account_id
  aws_region          = var.region
  event_source_suffix = var.event_source_suffix
  data_residency      = "EU"
}

module "genesys_audit" {
  source = "../.."

  region                      = var.region
  data_residency              = "EU"
  genesys_org_id              = var.genesys_org_id
  event_source_suffix         = var.event_source_suffix
  partner_event_source_name   = module.genesys_integration.partner_event_source_name
  lookup_partner_event_source = var.lookup_partner_event_source

  queue = { enabled = false }
}
