# The dedicated bus (never the default bus): the Genesys partner bus, whose name equals the partner
# event source name, or a custom bus for webhook ingestion; plus an archive for replay.

locals {
  # null only when the module creates nothing (the partner_event_source_name validation asks for it otherwise)
  partner_source = var.partner_event_source_name != null ? var.partner_event_source_name : (
    var.genesys_org_id != null && var.event_source_suffix != null ? "aws.partner/genesys.com/cloud/${var.genesys_org_id}/${var.event_source_suffix}" : null
  )
  bus_name     = var.type == "partner" ? local.partner_source : var.custom_bus_name
  bus_arn      = local.bus_name == null ? null : "arn:${var.partition}:events:${var.region}:${var.account_id}:event-bus/${local.bus_name}"
  archive_name = substr("${var.name}-${var.region}", 0, 48)
  dlq_name     = "${var.name}-bus-dlq"
  has_dlq      = var.create && var.dead_letter_queue
}

# The bus's dead-letter queue: with a customer managed key, an event EventBridge cannot encrypt or
# decrypt (KMS error) is sent here instead of being dropped silently.
module "dlq" {
  source = "../sqs-queue"

  create                    = local.has_dlq
  name                      = local.dlq_name
  region                    = var.region
  account_id                = var.account_id
  partition                 = var.partition
  kms_key_arn               = var.kms_key_arn
  message_retention_seconds = var.dead_letter_queue_message_retention_seconds
  eventbridge_senders       = { sid = "EventBridgeDeadLettersFromThisBus", test = "ArnEquals", source_arns = compact([local.bus_arn]) }
  tags                      = var.tags
}

data "aws_cloudwatch_event_source" "genesys" {
  count = var.create && var.type == "partner" && var.lookup_partner_event_source ? 1 : 0

  region      = var.region
  name_prefix = local.partner_source
}

resource "aws_cloudwatch_event_bus" "this" {
  count = var.create ? 1 : 0

  region             = var.region
  name               = local.bus_name
  event_source_name  = var.type == "partner" ? try(data.aws_cloudwatch_event_source.genesys[0].name, local.partner_source) : null
  kms_key_identifier = var.kms_key_arn
  description        = var.type == "partner" ? "Genesys Cloud audit events (partner source)" : "Genesys Cloud audit events (webhook ingestion)"
  tags               = var.tags

  # The queue's ARN is read once its policy lets EventBridge dead-letter: the bus can fail an event only after.
  dynamic "dead_letter_config" {
    for_each = local.has_dlq ? [module.dlq.arn] : []
    content {
      arn = dead_letter_config.value
    }
  }
}

# EventBridge archives have no deletion protection and Terraform's prevent_destroy cannot take a
# variable: the archive is one of two blocks, the protected one (default) refusing any plan that would
# delete it. archive.prevent_destroy chooses the block; switching an existing archive between them is
# a `terraform state mv` (README: "Removing a protected trail or archive").
resource "aws_cloudwatch_event_archive" "protected" {
  count = var.create && var.archive.enabled && var.archive.prevent_destroy ? 1 : 0

  region             = var.region
  name               = local.archive_name
  description        = "Every event on ${local.bus_name}, for replay"
  event_source_arn   = aws_cloudwatch_event_bus.this[0].arn
  retention_days     = var.archive.retention_days
  kms_key_identifier = var.kms_key_arn

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_cloudwatch_event_archive" "this" {
  count = var.create && var.archive.enabled && !var.archive.prevent_destroy ? 1 : 0

  region             = var.region
  name               = local.archive_name
  description        = "Every event on ${local.bus_name}, for replay"
  event_source_arn   = aws_cloudwatch_event_bus.this[0].arn
  retention_days     = var.archive.retention_days
  kms_key_identifier = var.kms_key_arn
}

data "aws_iam_policy_document" "bus" {
  count = var.create && length(var.policy_statements) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = var.policy_statements
    content {
      sid       = statement.value.sid
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = [local.bus_arn]
      dynamic "principals" {
        for_each = statement.value.principals
        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }
      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

# A bus policy, not aws_cloudwatch_event_permission: the latter rejects aws.partner/... bus names
# (hashicorp/terraform-provider-aws#37693).
resource "aws_cloudwatch_event_bus_policy" "this" {
  count = var.create && length(var.policy_statements) > 0 ? 1 : 0

  region         = var.region
  event_bus_name = aws_cloudwatch_event_bus.this[0].name
  policy         = data.aws_iam_policy_document.bus[0].json
}
