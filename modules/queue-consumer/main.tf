# The idempotent queue consumer: SQS event source with ReportBatchItemFailures (partial batch
# failures), a DynamoDB idempotency table with TTL, least-privilege IAM on exactly the queue, the
# table, its key and its own log group.

locals {
  partition  = var.partition
  account_id = var.account_id
  # A table shared with the alert function when given (both prefix their keys), else our own.
  create_table = var.create && var.idempotency_table_name == null
  table_name   = coalesce(var.idempotency_table_name, "${var.name}-idempotency")
  table_arn    = "arn:${local.partition}:dynamodb:${var.region}:${local.account_id}:table/${local.table_name}"
}

resource "aws_dynamodb_table" "idempotency" {
  count = local.create_table ? 1 : 0

  region       = var.region
  name         = local.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.queue_kms_key_arn
  }

  tags = var.tags
}

module "enrichment" {
  source = "../genesys-enrichment"

  create     = var.create
  enrichment = var.enrichment
  region     = var.region
}

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  source_policy_documents = compact([module.enrichment.policy_json])

  statement {
    sid       = "ConsumeTheDetectionsQueue"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [var.queue_arn]
  }

  statement {
    sid       = "RememberProcessedAuditIds"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [local.table_arn]
  }

  # Only through the services that hold data under the key: the role cannot decrypt anything else
  # encrypted with the pipeline key (the trail, the archive...) by calling KMS directly.
  statement {
    sid       = "DecryptQueueAndTable"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.queue_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${var.region}.amazonaws.com", "dynamodb.${var.region}.amazonaws.com", "lambda.${var.region}.amazonaws.com"]
    }
  }
}

module "function" {
  source = "../lambda-function"

  create          = var.create
  name            = var.name
  region          = var.region
  account_id      = var.account_id
  partition       = var.partition
  description     = "Genesys audit detections consumer (idempotent, partial batch failures)"
  handler_package = "consumer"
  policy_json     = try(data.aws_iam_policy_document.function[0].json, "{}")
  environment = merge({
    IDEMPOTENCY_TABLE                 = local.table_name
    IDEMPOTENCY_EXPIRES_AFTER_SECONDS = tostring(var.idempotency_expires_after_seconds)
    WATCHED_PROPERTIES                = join(",", var.watched_properties)
    FINDING_SINK                      = var.finding_sink
    POWERTOOLS_SERVICE_NAME           = "consumer"
    POWERTOOLS_METRICS_NAMESPACE      = var.metrics_namespace
  }, module.enrichment.environment)
  package               = var.package
  memory_size           = var.memory_size
  timeout               = var.timeout
  kms_key_arn           = var.queue_kms_key_arn
  log_retention_in_days = var.log_retention_in_days
  tags                  = var.tags
}

resource "aws_lambda_event_source_mapping" "this" {
  count = var.create ? 1 : 0

  region                  = var.region
  event_source_arn        = var.queue_arn
  function_name           = module.function.function_arn
  batch_size              = var.batch_size
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 5
  }
}
