# One Lambda function of the pipeline: its zip (built at plan time from lambda_src/), an execution role
# limited to its own log group plus the caller's statements, a KMS-encrypted log group with retention, and
# the function itself (JSON logs, optional dead-letter queue for asynchronous invocations, X-Ray, VPC and
# code signing). The alert, threshold, ingestion, consumer and backfill modules differ only in what they
# pass here.

locals {
  partition      = var.partition
  account_id     = var.account_id
  role_name      = substr("${var.name}-${var.region}", 0, 64)
  log_group_name = "/aws/lambda/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_name}"
  create_dlq     = var.create && var.dead_letter != null
  dlq_name       = "${var.name}-dlq"
  dlq_arn        = "arn:${local.partition}:sqs:${var.region}:${local.account_id}:${local.dlq_name}"
}

################################################################################
# Package: the handler and the library modules it imports, never third-party code
################################################################################

locals {
  source_dir = coalesce(var.package.source_dir, "${path.module}/../../lambda_src")
  output_dir = coalesce(var.package.output_dir, "${path.root}/.build/lambda")
  zip_name   = "${var.name}-${var.region}" # unique per function and region

  files = var.create ? fileset(local.source_dir, "**") : []
  # The files each handler imports, found statically and committed as source_dir/packages.json
  # (`python -m genesys_audit_tools.lambdazip` writes it; a test keeps it current). A handler without
  # an entry (another source_dir) ships its package and the library package whole.
  manifest = var.create ? try(jsondecode(file("${local.source_dir}/packages.json")), {}) : {}
  shipped  = lookup(local.manifest, var.handler_package, null)
  included = [var.handler_package, "genesys_audit"]
  # What is not ours to ship in this zip (other handlers, library modules this handler never imports,
  # stray files), plus caches that would make the hash depend on the machine.
  top_level = distinct([for f in local.files : split("/", f)[0]])
  excludes = concat(
    local.shipped == null ? sort([for entry in local.top_level : entry if !contains(local.included, entry)]) : sort([for f in local.files : f if !contains(local.shipped, f)]),
    ["__pycache__", "**/__pycache__", "*.pyc", "**/*.pyc", ".*", "**/.*"],
  )

  # The account that publishes the public Powertools layer, per partition. Only the commercial one is
  # listed: Powertools publishes GovCloud layers under another account, and its China layer
  # (cn-north-1 only) has been reported not readable by other accounts; there, the caller gives
  # package.powertools_layer_arn (a copy in their account), which the check below asks for by name.
  powertools_publishers = { aws = "017000801446" }
  public_powertools_layer = var.create && contains(keys(local.powertools_publishers), local.partition) ? format(
    "arn:%s:lambda:%s:%s:layer:AWSLambdaPowertoolsPythonV3-%s-%s:%d",
    local.partition, var.region, local.powertools_publishers[local.partition], replace(var.runtime, ".", ""),
    var.package.architecture, var.package.powertools_layer_version,
  ) : null
  powertools_layer = var.create ? try(coalesce(var.package.powertools_layer_arn, local.public_powertools_layer), null) : null
  layers           = concat(compact([local.powertools_layer]), var.package.extra_layers)
}

# Built at plan time: entries carry fixed timestamps and permissions, so the hash (and the function's
# source_code_hash) changes only when the code does.
data "archive_file" "this" {
  count = var.create ? 1 : 0

  type        = "zip"
  source_dir  = local.source_dir
  excludes    = local.excludes
  output_path = "${local.output_dir}/${local.zip_name}.zip"
  # Fixed permissions: the hash must not depend on the umask of whoever checked the code out.
  output_file_mode = "0644"

  lifecycle {
    precondition {
      condition     = local.powertools_layer != null
      error_message = "No public Powertools layer is known for partition \"${local.partition}\" (region ${var.region}): the module knows the publisher of the commercial partition only. Give the layer ARN of a Powertools v3 copy your account can read (lambda = { powertools_layer_arn = \"arn:${local.partition}:lambda:${var.region}:<account>:layer:<name>:<version>\" } at the root module, or package.powertools_layer_arn here)."
    }
  }
}

################################################################################
# Execution role
################################################################################

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
  description          = "${var.description} (${var.name} in ${var.region})"
  assume_role_policy   = data.aws_iam_policy_document.assume[0].json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "function" {
  count = var.create ? 1 : 0

  source_policy_documents = [var.policy_json]

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  dynamic "statement" {
    for_each = local.create_dlq ? [local.dlq_arn] : []
    content {
      sid       = "DeadLetterFailedInvocations"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = var.handler_package
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.function[0].json
}

resource "aws_iam_role_policy_attachment" "xray" {
  count = var.create && var.tracing_enabled ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

resource "aws_iam_role_policy_attachment" "vpc" {
  count = var.create && var.vpc_config != null ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

################################################################################
# Log group and function
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  region            = var.region
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_116:dead_letter is set by the asynchronous caller (alert); ingestion is synchronous (the sender retries on 5xx) and the consumer's failures stay on its queue, whose redrive dead-letters them.
  #checkov:skip=CKV_AWS_115:reserved_concurrent_executions is the caller's (the alert path reserves 5); the consumer is bounded by its event source mapping.
  #checkov:skip=CKV_AWS_117:VPC is opt-in (vpc_config); the functions only call AWS APIs and the chat/paging HTTPS endpoints.
  #checkov:skip=CKV_AWS_272:Code signing is opt-in (code_signing_config_arn); the zip is built from this repository at plan time.
  #checkov:skip=CKV_AWS_50:X-Ray is opt-in (tracing_enabled) for cost; with it the mode is Active.
  region                         = var.region
  function_name                  = var.name
  description                    = var.description
  role                           = aws_iam_role.this[0].arn
  runtime                        = var.runtime
  architectures                  = [var.package.architecture]
  handler                        = "${var.handler_package}.handler.handler"
  filename                       = data.archive_file.this[0].output_path
  source_code_hash               = data.archive_file.this[0].output_base64sha256
  layers                         = local.layers
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = var.environment
  }

  dynamic "dead_letter_config" {
    for_each = local.create_dlq ? [module.dlq.arn] : []
    content {
      target_arn = dead_letter_config.value
    }
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this[0].name
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]

  lifecycle {
    # The zip is written by archive_file where `terraform plan` runs. A saved plan applied on another
    # runner without .build/lambda/ would fail inside the provider; say what to do instead. Checked
    # again at apply, when it matters.
    precondition {
      condition     = fileexists(data.archive_file.this[0].output_path)
      error_message = "The Lambda package ${data.archive_file.this[0].output_path} is not on this machine: a saved plan is being applied where it was not made. Either plan and apply in the same job, or carry the root module's .build/lambda/ directory with the plan file (the zips are reproducible: the plan's source_code_hash proves it is the same code), or plan again here."
    }
  }
}

# Asynchronous invocations (EventBridge targets): how often Lambda retries before the DLQ.
resource "aws_lambda_function_event_invoke_config" "this" {
  count = var.create && var.async_invoke != null ? 1 : 0

  region                       = var.region
  function_name                = aws_lambda_function.this[0].function_name
  maximum_retry_attempts       = var.async_invoke.maximum_retry_attempts
  maximum_event_age_in_seconds = var.async_invoke.maximum_event_age_in_seconds
}

################################################################################
# Dead-letter queue of asynchronous invocations that failed every retry (KMS, TLS only)
################################################################################

module "dlq" {
  source = "../sqs-queue"

  create                    = local.create_dlq
  name                      = local.dlq_name
  region                    = var.region
  account_id                = local.account_id
  partition                 = local.partition
  kms_key_arn               = var.kms_key_arn
  message_retention_seconds = try(var.dead_letter.message_retention_seconds, 1209600)
  tags                      = var.tags
}
