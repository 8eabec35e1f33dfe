# The smallest useful deployment: the Genesys partner bus of one region, the high-risk catalog and
# the immutable trail. Plans with no variables (the org id and account are obviously fake).

provider "aws" {
  region = var.region
}

module "genesys_audit" {
  source = "../.."

  region              = var.region
  data_residency      = "EU"
  genesys_org_id      = var.genesys_org_id
  event_source_suffix = var.event_source_suffix

  queue = { enabled = false }
}
