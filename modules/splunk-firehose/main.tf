locals {
  partition  = var.partition
  account_id = var.account_id
  arn_prefix = "arn:${local.partition}"

  # Names and ARNs built from known parts, so every policy is readable in the plan.
  firehose_role_name = "${var.name}-firehose-${var.region}"
  events_role_name   = "${var.name}-events-${var.region}"
  bucket_name        = coalesce(var.backup_bucket.name, "${var.name}-backup-${local.account_id}-${var.region}")
  log_group_name     = "/aws/kinesisfirehose/${var.name}"

  firehose_role_arn = "${local.arn_prefix}:iam::${local.account_id}:role/${local.firehose_role_name}"
  stream_arn        = "${local.arn_prefix}:firehose:${var.region}:${local.account_id}:deliverystream/${var.name}"
  bucket_arn        = "${local.arn_prefix}:s3:::${local.bucket_name}"
  log_group_arn     = "${local.arn_prefix}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_name}"

  create_kms_key = var.create && (var.create_kms_key != null ? var.create_kms_key : var.kms_key_arn == null)
  kms_key_arn    = var.create ? (local.create_kms_key ? module.kms.key_arn : var.kms_key_arn) : null

  alarm_actions = compact([var.ops_topic_arn])
}

################################################################################
# KMS key (unless one is given)
################################################################################

data "aws_iam_policy_document" "kms" {
  count = local.create_kms_key ? 1 : 0

  statement {
    sid       = "FirehoseRoleWritesBackupsThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.firehose_role_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [local.bucket_arn, "${local.bucket_arn}/*"]
    }
  }

}

module "kms" {
  source = "../kms-key"

  create     = local.create_kms_key
  name       = var.name
  region     = var.region
  account_id = var.account_id
  partition  = var.partition
  # Naming the role resource orders the key after it: KMS rejects a key policy naming a missing role.
  description    = "Genesys audit Splunk delivery (${var.name}): stream, S3 backup, error logs; used by role ${try(aws_iam_role.firehose[0].name, local.firehose_role_name)}"
  log_group_arns = [local.log_group_arn]
  policy_json    = try(data.aws_iam_policy_document.kms[0].json, null)
  tags           = var.tags
}

################################################################################
# S3 backup bucket: private, SSE-KMS, versioned, TLS-only, lifecycle, optional Object Lock
################################################################################

resource "aws_s3_bucket" "backup" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_144:No cross-region replication by design: audit data must stay in its compliance region (data residency).
  #checkov:skip=CKV2_AWS_62:Backups are read by people replaying failed deliveries; nothing consumes object-created events.
  #checkov:skip=CKV_AWS_18:Server access logging is opt-in (backup_bucket.access_log_bucket): it needs a log bucket the caller owns.
  region              = var.region
  bucket              = local.bucket_name
  force_destroy       = var.backup_bucket.force_destroy
  object_lock_enabled = var.backup_bucket.object_lock != null
  tags                = var.tags

  lifecycle {
    precondition {
      condition     = length(local.bucket_name) <= 63
      error_message = "The backup bucket name \"${local.bucket_name}\" is ${length(local.bucket_name)} characters, over S3's 63: shorten name or give backup_bucket.name."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "backup" {
  count = var.create ? 1 : 0

  region                  = var.region
  bucket                  = aws_s3_bucket.backup[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "backup" {
  count = var.create ? 1 : 0

  region = var.region
  bucket = aws_s3_bucket.backup[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "backup" {
  count = var.create ? 1 : 0

  region = var.region
  bucket = aws_s3_bucket.backup[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backup" {
  count = var.create ? 1 : 0

  region = var.region
  bucket = aws_s3_bucket.backup[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "backup" {
  count = var.create ? 1 : 0

  region = var.region
  bucket = aws_s3_bucket.backup[0].id

  rule {
    id     = "expire-backups"
    status = "Enabled"
    filter {}
    expiration {
      days = var.backup_bucket.expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.backup_bucket.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.backup]
}

resource "aws_s3_bucket_object_lock_configuration" "backup" {
  count = var.create && var.backup_bucket.object_lock != null ? 1 : 0

  region = var.region
  bucket = aws_s3_bucket.backup[0].id
  rule {
    default_retention {
      mode = var.backup_bucket.object_lock.mode
      days = var.backup_bucket.object_lock.days
    }
  }

  depends_on = [aws_s3_bucket_versioning.backup]
}

resource "aws_s3_bucket_logging" "backup" {
  count = var.create && var.backup_bucket.access_log_bucket != null ? 1 : 0

  region        = var.region
  bucket        = aws_s3_bucket.backup[0].id
  target_bucket = var.backup_bucket.access_log_bucket
  target_prefix = "${local.bucket_name}/"
}

data "aws_iam_policy_document" "bucket" {
  count = var.create ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
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

  statement {
    sid       = "DenyObjectsNotEncryptedWithKms"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }
}

resource "aws_s3_bucket_policy" "backup" {
  count = var.create ? 1 : 0

  region = var.region
  bucket = aws_s3_bucket.backup[0].id
  policy = data.aws_iam_policy_document.bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.backup]
}

################################################################################
# Error logging
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  region            = var.region
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_stream" "this" {
  for_each = var.create ? toset(["DestinationDelivery", "BackupDelivery"]) : toset([])

  region         = var.region
  name           = each.key
  log_group_name = aws_cloudwatch_log_group.this[0].name
}

################################################################################
# Firehose role and stream
################################################################################

data "aws_iam_policy_document" "firehose_assume" {
  count = var.create ? 1 : 0

  statement {
    sid     = "FirehoseAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "firehose" {
  count = var.create ? 1 : 0

  name                 = local.firehose_role_name
  description          = "Firehose ${var.name} in ${var.region}: Splunk HEC token, S3 backup, error logs"
  assume_role_policy   = data.aws_iam_policy_document.firehose_assume[0].json
  max_session_duration = 3600
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = length(local.firehose_role_name) <= 64 && length(local.events_role_name) <= 64
      error_message = "The role names \"${local.firehose_role_name}\" and \"${local.events_role_name}\" must be at most 64 characters (IAM): shorten name."
    }
  }
}

data "aws_iam_policy_document" "firehose" {
  count = var.create ? 1 : 0

  statement {
    sid = "WriteBackupObjects"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:PutObject",
    ]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
  }

  statement {
    sid       = "ReadHecTokenSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.hec_token_secret_arn]
  }

  statement {
    sid       = "WriteErrorLogs"
    actions   = ["logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:log-stream:*"]
  }

  dynamic "statement" {
    for_each = var.hec_token_secret_kms_key_arn == null ? [] : [1]
    content {
      sid       = "DecryptHecTokenThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = [var.hec_token_secret_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.create && !local.create_kms_key ? [1] : []
    content {
      sid       = "UseGivenKmsKeyThroughS3"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [local.kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "firehose" {
  count = var.create ? 1 : 0

  name   = "firehose"
  role   = aws_iam_role.firehose[0].id
  policy = data.aws_iam_policy_document.firehose[0].json
}

resource "aws_kinesis_firehose_delivery_stream" "this" {
  count = var.create ? 1 : 0

  region      = var.region
  name        = var.name
  destination = "splunk"

  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = local.kms_key_arn
  }

  splunk_configuration {
    hec_endpoint               = var.hec_endpoint
    hec_endpoint_type          = var.hec_endpoint_type
    hec_acknowledgment_timeout = var.hec_acknowledgment_timeout
    retry_duration             = var.retry_duration
    s3_backup_mode             = var.s3_backup_mode
    buffering_interval         = var.buffering.interval_in_seconds
    buffering_size             = var.buffering.size_in_mb

    # The HEC token is read from Secrets Manager by Firehose at delivery time: no hec_token here.
    secrets_manager_configuration {
      enabled    = true
      secret_arn = var.hec_token_secret_arn
      role_arn   = aws_iam_role.firehose[0].arn
    }

    s3_configuration {
      role_arn            = aws_iam_role.firehose[0].arn
      bucket_arn          = aws_s3_bucket.backup[0].arn
      kms_key_arn         = local.kms_key_arn
      compression_format  = "GZIP"
      prefix              = "backup/"
      error_output_prefix = "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
      buffering_interval  = 300
      buffering_size      = 5

      cloudwatch_logging_options {
        enabled         = true
        log_group_name  = aws_cloudwatch_log_group.this[0].name
        log_stream_name = aws_cloudwatch_log_stream.this["BackupDelivery"].name
      }
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.this[0].name
      log_stream_name = aws_cloudwatch_log_stream.this["DestinationDelivery"].name
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.firehose, aws_s3_bucket_policy.backup]
}

################################################################################
# EventBridge role: PutRecord(Batch) on this stream only
################################################################################

data "aws_iam_policy_document" "events_assume" {
  count = var.create ? 1 : 0

  statement {
    sid     = "EventBridgeAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    dynamic "condition" {
      for_each = length(var.source_rule_arns) > 0 ? [1] : []
      content {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = sort(distinct(var.source_rule_arns))
      }
    }
  }
}

resource "aws_iam_role" "events" {
  count = var.create ? 1 : 0

  name                 = local.events_role_name
  description          = "EventBridge rules -> Firehose ${var.name} in ${var.region}"
  assume_role_policy   = data.aws_iam_policy_document.events_assume[0].json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "events" {
  count = var.create ? 1 : 0

  statement {
    sid       = "PutRecordsOnThisStream"
    actions   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
    resources = [local.stream_arn]
  }
}

resource "aws_iam_role_policy" "events" {
  count = var.create ? 1 : 0

  name   = "firehose-put"
  role   = aws_iam_role.events[0].id
  policy = data.aws_iam_policy_document.events[0].json
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "delivery_success" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-delivery-to-splunk-success"
  alarm_description   = "Firehose ${var.name} failed to deliver to Splunk (DeliveryToSplunk.Success below ${var.alarms.success_threshold}) for ${var.alarms.evaluation_periods} x ${var.alarms.period_seconds} s. Failed batches go to s3://${local.bucket_name}/errors/ after retries; check ${local.log_group_name} and the HEC endpoint/token."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToSplunk.Success"
  dimensions          = { DeliveryStreamName = var.name }
  statistic           = "Average"
  period              = var.alarms.period_seconds
  evaluation_periods  = var.alarms.evaluation_periods
  threshold           = var.alarms.success_threshold
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "throttled" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-throttled-records"
  alarm_description   = "Firehose ${var.name} throttled incoming records (ThrottledRecords > ${var.alarms.throttled_records_threshold}): EventBridge retries, then dead-letters. Request a higher stream quota."
  namespace           = "AWS/Firehose"
  metric_name         = "ThrottledRecords"
  dimensions          = { DeliveryStreamName = var.name }
  statistic           = "Sum"
  period              = var.alarms.period_seconds
  evaluation_periods  = 1
  threshold           = var.alarms.throttled_records_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "data_freshness" {
  count = var.create ? 1 : 0

  region              = var.region
  alarm_name          = "${var.name}-delivery-to-splunk-freshness"
  alarm_description   = "The oldest record in Firehose ${var.name} has waited more than ${var.alarms.data_freshness_seconds} s for Splunk (DeliveryToSplunk.DataFreshness): Splunk is slow or unreachable."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToSplunk.DataFreshness"
  dimensions          = { DeliveryStreamName = var.name }
  statistic           = "Maximum"
  period              = var.alarms.period_seconds
  evaluation_periods  = 1
  threshold           = var.alarms.data_freshness_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
