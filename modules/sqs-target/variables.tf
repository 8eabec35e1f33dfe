variable "create" {
  description = "Create the queue. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Queue name; the dead-letter queue is \"<name>-dlq\"."
  type        = string
  default     = "genesys-audit-events"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,76}$", var.name))
    error_message = "name must be 1-76 letters, digits, '_' or '-' (room for the -dlq suffix); got \"${var.name}\"."
  }
}

variable "region" {
  description = "AWS region (AWS provider v6 per-resource region)."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for ARNs known at plan time."
  type        = string
}

variable "partition" {
  description = "AWS partition."
  type        = string
  default     = "aws"
}

variable "kms_key_arn" {
  description = "KMS key for both queues (its policy must let events.amazonaws.com use it)."
  type        = string
}

variable "source_rule_arns" {
  description = "ARNs of exactly the rules routed to the queue (ArnEquals aws:SourceArn in the queue policy)."
  type        = list(string)
}

variable "source_rule_arn_pattern" {
  description = "ARN pattern of every rule of the pipeline (audit-rules' `rule_arn_pattern`), named instead of the exact ARNs once they pass `exact_source_arns_max_bytes`. Null keeps the exact ARNs whatever their size (the policy may then exceed SQS's quota)."
  type        = string
  default     = null
}

variable "exact_source_arns_max_bytes" {
  description = "Largest list of exact rule ARNs (bytes of compact JSON) the queue policy names; the default leaves 1,024 of SQS's 8,192 policy bytes for the rest of the policy."
  type        = number
  default     = 7168

  validation {
    condition     = var.exact_source_arns_max_bytes >= 0 && var.exact_source_arns_max_bytes <= 7424
    error_message = "exact_source_arns_max_bytes must be 0-7424 (SQS allows 8,192 bytes per policy, and the rest of the policy needs room); got ${var.exact_source_arns_max_bytes}."
  }
}

variable "message_retention_seconds" {
  description = "Retention of the queue and its dead-letter queue (default 14 days, the SQS maximum)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be 60-1209600 (14 days)."
  }
}

variable "receive_wait_time_seconds" {
  description = "Long polling wait (default 20 s, the maximum)."
  type        = number
  default     = 20
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout; at least six times the consumer Lambda's timeout."
  type        = number
  default     = 180
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be 1-1000."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
