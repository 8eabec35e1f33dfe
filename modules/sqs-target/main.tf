# A queue for audit events (+ its dead-letter queue) that only our rules may send to, over TLS only.

locals {
  queue_arn = "arn:${var.partition}:sqs:${var.region}:${var.account_id}:${var.name}"
  dlq_name  = "${var.name}-dlq"
  # The exact rule ARNs while they fit SQS's 8,192-byte policy quota, else every rule of the pipeline.
  source = (var.source_rule_arn_pattern == null || length(jsonencode(var.source_rule_arns)) <= var.exact_source_arns_max_bytes
    ? { test = "ArnEquals", values = var.source_rule_arns }
  : { test = "ArnLike", values = [var.source_rule_arn_pattern] })
}

module "dlq" {
  source = "../sqs-queue"

  create                          = var.create
  name                            = local.dlq_name
  region                          = var.region
  account_id                      = var.account_id
  partition                       = var.partition
  kms_key_arn                     = var.kms_key_arn
  message_retention_seconds       = var.message_retention_seconds
  redrive_allow_source_queue_arns = [local.queue_arn]
  tags                            = var.tags
}

module "queue" {
  source = "../sqs-queue"

  create                     = var.create
  name                       = var.name
  region                     = var.region
  account_id                 = var.account_id
  partition                  = var.partition
  kms_key_arn                = var.kms_key_arn
  message_retention_seconds  = var.message_retention_seconds
  receive_wait_time_seconds  = var.receive_wait_time_seconds
  visibility_timeout_seconds = var.visibility_timeout_seconds
  redrive                    = { dead_letter_queue_arn = module.dlq.arn, max_receive_count = var.max_receive_count }
  eventbridge_senders        = { sid = "EventBridgeFromOurRulesOnly", test = local.source.test, source_arns = local.source.values }
  tags                       = var.tags
}
