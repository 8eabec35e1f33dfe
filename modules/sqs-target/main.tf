# A queue for audit events (+ its dead-letter queue) that only our rules may send to, over TLS only.

locals {
  queue_arn = "arn:${var.partition}:sqs:${var.region}:${var.account_id}:${var.name}"
  dlq_name  = "${var.name}-dlq"
  dlq_arn   = "arn:${var.partition}:sqs:${var.region}:${var.account_id}:${local.dlq_name}"
  # The exact rule ARNs while they fit SQS's 8,192-byte policy quota, else every rule of the pipeline.
  source = (var.source_rule_arn_pattern == null || length(jsonencode(var.source_rule_arns)) <= var.exact_source_arns_max_bytes
    ? { test = "ArnEquals", values = var.source_rule_arns }
  : { test = "ArnLike", values = [var.source_rule_arn_pattern] })
}

resource "aws_sqs_queue" "dlq" {
  count = var.create ? 1 : 0

  region                    = var.region
  name                      = local.dlq_name
  message_retention_seconds = var.message_retention_seconds
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  count = var.create ? 1 : 0

  region                     = var.region
  name                       = var.name
  message_retention_seconds  = var.message_retention_seconds
  receive_wait_time_seconds  = var.receive_wait_time_seconds
  visibility_timeout_seconds = var.visibility_timeout_seconds
  kms_master_key_id          = var.kms_key_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[0].arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  count = var.create ? 1 : 0

  region    = var.region
  queue_url = aws_sqs_queue.dlq[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.queue_arn]
  })
}

data "aws_iam_policy_document" "queue" {
  count = var.create ? 1 : 0

  statement {
    sid       = "EventBridgeFromOurRulesOnly"
    actions   = ["sqs:SendMessage"]
    resources = [local.queue_arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = local.source.test
      variable = "aws:SourceArn"
      values   = local.source.values
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [local.queue_arn]
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

data "aws_iam_policy_document" "dlq" {
  count = var.create ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [local.dlq_arn]
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
  policy    = data.aws_iam_policy_document.queue[0].json
}

resource "aws_sqs_queue_policy" "dlq" {
  count = var.create ? 1 : 0

  region    = var.region
  queue_url = aws_sqs_queue.dlq[0].id
  policy    = data.aws_iam_policy_document.dlq[0].json
}
