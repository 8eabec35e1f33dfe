# The Genesys half of the connection: the "Amazon EventBridge Source" integration of one Genesys org for
# one AWS account and region. Genesys then creates the partner event source
# aws.partner/genesys.com/cloud/<org id>/<suffix> in that region, which modules/event-bus binds a bus to.

data "genesyscloud_organizations_me" "this" {
  count = var.create && var.genesys_org_id == null ? 1 : 0
}

locals {
  # The boundaries shared with the root module's data_residency.
  residency      = jsondecode(file("${path.module}/../../residency.json"))
  genesys_org_id = var.genesys_org_id != null ? var.genesys_org_id : try(data.genesyscloud_organizations_me.this[0].id, null)

  # The four properties of the integration type amazon-eventbridge-source (reference doc section 3).
  properties = {
    awsAccountId      = var.aws_account_id
    awsAccountRegion  = var.aws_region
    eventSourceSuffix = var.event_source_suffix
    eventFilter       = var.event_filter
  }
}

resource "genesyscloud_integration" "this" {
  count = var.create ? 1 : 0

  integration_type = "amazon-eventbridge-source"
  intended_state   = var.intended_state

  config {
    name       = coalesce(var.integration_name, "Genesys audit to Amazon EventBridge (${var.aws_region})")
    notes      = var.notes
    properties = jsonencode(local.properties)
    advanced   = jsonencode({})
  }
}
