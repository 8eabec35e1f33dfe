output "key_arn" {
  description = "ARN of the key (null when not created)."
  value       = try(aws_kms_key.this[0].arn, null)
}

output "key_id" {
  description = "Id of the key (null when not created)."
  value       = try(aws_kms_key.this[0].key_id, null)
}

output "alias_name" {
  description = "alias/<name> (null when not created)."
  value       = try(aws_kms_alias.this[0].name, null)
}
