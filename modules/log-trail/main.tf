# The immutable trail: a KMS-encrypted log group and the logs resource policy EventBridge needs,
# scoped to the exact rule ARNs that feed it.

locals {
  log_group_arn = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:${var.name}"
  policy_name   = "${trimprefix(replace(var.name, "/", "-"), "-")}-${var.region}"
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  region            = var.region
  name              = var.name
  retention_in_days = var.retention_in_days
  kms_key_id        = var.kms_key_arn
  # The immutable trail: AWS refuses to delete it while this is on.
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags
}

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  statement {
    sid       = "EventBridgeRulesWriteTheTrail"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = var.source_rule_arns
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "this" {
  count = var.create ? 1 : 0

  region          = var.region
  policy_name     = substr(local.policy_name, 0, 255)
  policy_document = data.aws_iam_policy_document.this[0].json
}
