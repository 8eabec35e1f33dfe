# A customer managed KMS key for one part of the pipeline: rotation on, 30-day deletion window, an alias,
# and a key policy made of the account's administration through IAM, CloudWatch Logs for exactly the
# given log groups, and the caller's service and role statements (scoped by conditions).

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_109:Key policy: "*" is this key; administration is limited to this account's root, through IAM.
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key; service statements are scoped by conditions.
  #checkov:skip=CKV_AWS_356:Key policy: "*" is this key; every service statement is further scoped by conditions.
  source_policy_documents = var.policy_json == null ? [] : [var.policy_json]

  # The account administers and uses the key through IAM policies; the actions are listed, not kms:*.
  statement {
    sid = "AccountAdministersKeyThroughIam"
    actions = [
      "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
      "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
      "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
    ]
    resources = ["*"] # in a key policy, "*" is this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${var.partition}:iam::${var.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.log_group_arns) > 0 ? [1] : []
    content {
      sid       = "CloudWatchLogsEncryptsOurLogGroups"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["logs.${var.region}.amazonaws.com"]
      }
      condition {
        test     = "ArnEquals"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = var.log_group_arns
      }
    }
  }
}

resource "aws_kms_key" "this" {
  count = var.create ? 1 : 0

  region                  = var.region
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.this[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.create ? 1 : 0

  region        = var.region
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}
