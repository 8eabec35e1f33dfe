output "ops_topic_arn" {
  description = "The topic alarms notify."
  value       = var.create ? local.topic_arn : null
}

output "alarm_names" {
  description = "Names of every alarm."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.failed_invocations : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.failed_to_dead_letter : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.dlq_depth : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.silence : a.alarm_name],
  )
}
