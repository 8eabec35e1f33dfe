# One SQS queue of the pipeline, the same way for every queue it creates (the detections queue and every
# dead-letter queue): KMS encryption (the pipeline key, or SQS-managed keys without one), a policy that
# denies anything but TLS and lets EventBridge send only from the sources named, and the redrive on
# either side.

locals {
  arn = "arn:${var.partition}:sqs:${var.region}:${var.account_id}:${var.name}"
}

resource "aws_sqs_queue" "this" {
  count = var.create ? 1 : 0

  region                            = var.region
  name                              = var.name
  message_retention_seconds         = var.message_retention_seconds
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  receive_wait_time_seconds         = var.receive_wait_time_seconds
  kms_master_key_id                 = var.kms_key_arn
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = var.redrive == null ? null : jsonencode({
    deadLetterTargetArn = var.redrive.dead_letter_queue_arn
    maxReceiveCount     = var.redrive.max_receive_count
  })
  tags = var.tags
}

# A dead-letter queue takes redriven messages from the queues named here only.
resource "aws_sqs_queue_redrive_allow_policy" "this" {
  count = var.create && var.redrive_allow_source_queue_arns != null ? 1 : 0

  region    = var.region
  queue_url = aws_sqs_queue.this[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = var.redrive_allow_source_queue_arns
  })
}

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  dynamic "statement" {
    for_each = try(length(var.eventbridge_senders.source_arns) > 0, false) ? [var.eventbridge_senders] : []
    content {
      sid       = statement.value.sid
      actions   = ["sqs:SendMessage"]
      resources = [local.arn]
      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }
      condition {
        test     = statement.value.test
        variable = "aws:SourceArn"
        values   = statement.value.source_arns
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [local.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  count = var.create ? 1 : 0

  region    = var.region
  queue_url = aws_sqs_queue.this[0].id
  policy    = data.aws_iam_policy_document.this[0].json
}
