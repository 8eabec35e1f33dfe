output "stream_name" {
  description = "Name of the Firehose delivery stream."
  value       = try(aws_kinesis_firehose_delivery_stream.this[0].name, null)
}

output "stream_arn" {
  description = "ARN of the Firehose delivery stream (the EventBridge target arn)."
  value       = try(aws_kinesis_firehose_delivery_stream.this[0].arn, null)
}

output "events_role_arn" {
  description = "Role for the EventBridge target (role_arn): firehose:PutRecord(Batch) on this stream only."
  value       = try(aws_iam_role.events[0].arn, null)
}

output "eventbridge_target" {
  description = "The stream as an audit-rules destination (what an aws_cloudwatch_event_target needs): { arn, role_arn }. Known once the role's policy exists, so the targets are put after it."
  value = var.create ? {
    arn      = aws_kinesis_firehose_delivery_stream.this[0].arn
    role_arn = aws_iam_role.events[0].arn
  } : null
  depends_on = [aws_iam_role_policy.events]
}

output "firehose_role_arn" {
  description = "Role Firehose assumes to read the HEC token, write backups and error logs."
  value       = try(aws_iam_role.firehose[0].arn, null)
}

output "backup_bucket_name" {
  description = "Name of the S3 backup bucket."
  value       = try(aws_s3_bucket.backup[0].bucket, null)
}

output "backup_bucket_arn" {
  description = "ARN of the S3 backup bucket."
  value       = try(aws_s3_bucket.backup[0].arn, null)
}

output "log_group_name" {
  description = "Firehose error log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "kms_key_arn" {
  description = "KMS key encrypting the stream, bucket and logs (created or given)."
  value       = local.kms_key_arn
}

output "alarm_arns" {
  description = "Alarm ARNs by purpose: delivery_success, throttled, data_freshness."
  value = var.create ? {
    delivery_success = aws_cloudwatch_metric_alarm.delivery_success[0].arn
    throttled        = aws_cloudwatch_metric_alarm.throttled[0].arn
    data_freshness   = aws_cloudwatch_metric_alarm.data_freshness[0].arn
  } : {}
}

output "splunk_firehose" {
  description = "Everything above in one object."
  value = var.create ? {
    stream_name        = aws_kinesis_firehose_delivery_stream.this[0].name
    stream_arn         = aws_kinesis_firehose_delivery_stream.this[0].arn
    events_role_arn    = aws_iam_role.events[0].arn
    firehose_role_arn  = aws_iam_role.firehose[0].arn
    backup_bucket_name = aws_s3_bucket.backup[0].bucket
    log_group_name     = aws_cloudwatch_log_group.this[0].name
    kms_key_arn        = local.kms_key_arn
  } : null
}
