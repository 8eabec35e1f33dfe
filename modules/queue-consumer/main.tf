# The idempotent queue consumer: SQS event source with ReportBatchItemFailures (partial batch
# failures), a DynamoDB idempotency table with TTL, least-privilege IAM on exactly the queue, the
# table, its key and its own log group.

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

locals {
  partition      = var.create ? data.aws_partition.current[0].partition : "aws"
  account_id     = var.create ? data.aws_caller_identity.current[0].account_id : ""
  role_name      = substr("${var.name}-${var.region}", 0, 64)
  table_name     = "${var.name}-idempotency"
  table_arn      = "arn:${local.partition}:dynamodb:${var.region}:${local.account_id}:table/${local.table_name}"
  log_group_name = "/aws/lambda/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_name}"
}

module "package" {
  source = "../lambda-package"

  create          = var.create
  name            = "${var.name}-${var.region}"
  handler_package = "consumer"
  region          = var.region
  source_dir      = var.package.source_dir
  output_dir      = var.package.output_dir
  architecture    = var.package.architecture
  powertools_layer = {
    version = var.package.powertools_layer_version
    arn     = var.package.powertools_layer_arn
  }
  extra_layers = var.package.extra_layers
}

resource "aws_dynamodb_table" "idempotency" {
  count = var.create ? 1 : 0

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

data "aws_iam_policy_document" "assume" {
  count = var.create ? 1 : 0

  statement {
    sid     = "LambdaAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = local.role_name
  description          = "Genesys audit queue consumer ${var.name} in ${var.region}"
  assume_role_policy   = data.aws_iam_policy_document.assume[0].json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

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

  statement {
    sid       = "DecryptQueueAndTable"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.queue_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "consumer"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.function[0].json
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  region            = var.region
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.queue_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_117:The consumer only calls AWS APIs; a VPC adds NAT cost and no isolation here.
  #checkov:skip=CKV_AWS_272:The zip is built from this repository at plan time; code signing is the caller's choice.
  #checkov:skip=CKV_AWS_50:X-Ray is not needed for a queue consumer; Powertools metrics and logs cover it.
  #checkov:skip=CKV_AWS_116:Failed records stay on the SQS queue and go to its dead-letter queue by redrive.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the event source mapping's maximum concurrency.
  region           = var.region
  function_name    = var.name
  description      = "Genesys audit detections consumer (idempotent, partial batch failures)"
  role             = aws_iam_role.this[0].arn
  runtime          = module.package.runtime
  architectures    = module.package.architectures
  handler          = module.package.handler
  filename         = module.package.filename
  source_code_hash = module.package.source_code_hash
  layers           = module.package.layers
  memory_size      = var.memory_size
  timeout          = var.timeout
  kms_key_arn      = var.queue_kms_key_arn

  environment {
    variables = {
      IDEMPOTENCY_TABLE                 = local.table_name
      IDEMPOTENCY_EXPIRES_AFTER_SECONDS = tostring(var.idempotency_expires_after_seconds)
      WATCHED_PROPERTIES                = join(",", var.watched_properties)
      FINDING_SINK                      = var.finding_sink
      POWERTOOLS_SERVICE_NAME           = "consumer"
      POWERTOOLS_METRICS_NAMESPACE      = var.metrics_namespace
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this[0].name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_event_source_mapping" "this" {
  count = var.create ? 1 : 0

  region                  = var.region
  event_source_arn        = var.queue_arn
  function_name           = aws_lambda_function.this[0].arn
  batch_size              = var.batch_size
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 5
  }
}
