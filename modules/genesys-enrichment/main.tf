# Name enrichment (README, "Enrichment"), as the alert and consumer functions share it: what a function
# needs to read names for the ids it reports from the Genesys Cloud API. Nothing is created here: the
# function's environment and the permissions its role adds to its own policy, with a read-only
# client-credentials OAuth client whose secret only those functions may read.

locals {
  residency = jsondecode(file("${path.module}/../../residency.json")) # genesys_domains: every Genesys region
  enabled   = var.create && var.enrichment.enabled
}

data "aws_iam_policy_document" "this" {
  count = local.enabled ? 1 : 0

  statement {
    sid       = "ReadGenesysEnrichmentCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.enrichment.credentials_secret_arn]
  }

  dynamic "statement" {
    for_each = var.enrichment.credentials_kms_key_arn != null ? [1] : []
    content {
      sid       = "DecryptGenesysEnrichmentCredentials"
      actions   = ["kms:Decrypt"]
      resources = [var.enrichment.credentials_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }
    }
  }
}
