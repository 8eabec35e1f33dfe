variable "create" {
  description = "Whether to create anything."
  type        = bool
  default     = true
}

variable "name" {
  description = "Queue name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.name))
    error_message = "name must be an SQS queue name: 1-80 letters, digits, '-' or '_' (no .fifo); got \"${var.name}\"."
  }
}

variable "region" {
  description = "AWS region of the queue (provider v6 per-resource region)."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for the queue ARN the policy names (the root module passes its caller identity's)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits; got \"${var.account_id}\"."
  }
}

variable "partition" {
  description = "AWS partition (the root module passes its provider's)."
  type        = string
  default     = "aws"
}

variable "kms_key_arn" {
  description = "KMS key encrypting the messages (the pipeline key); null uses SQS-managed encryption (SSE-SQS). A key must let every sender use it (events.amazonaws.com for EventBridge)."
  type        = string
  default     = null
}

variable "message_retention_seconds" {
  description = "How long a message is kept (60 to 1,209,600 seconds; dead-letter queues keep 14 days)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be 60 to 1209600 (14 days), SQS's limits; got ${var.message_retention_seconds}."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout; null leaves SQS's 30 seconds."
  type        = number
  default     = null
}

variable "receive_wait_time_seconds" {
  description = "Long-polling wait; null leaves SQS's 0."
  type        = number
  default     = null
}

variable "redrive" {
  description = "Move a message to this dead-letter queue after max_receive_count receives; null for a queue without one (a dead-letter queue itself)."
  type = object({
    dead_letter_queue_arn = string
    max_receive_count     = number
  })
  default = null
}

variable "redrive_allow_source_queue_arns" {
  description = "For a dead-letter queue of other queues: the only queues that may redrive into it; null sets no redrive-allow policy."
  type        = list(string)
  default     = null
}

variable "eventbridge_senders" {
  description = <<-EOT
    Let EventBridge send messages (as a target or a dead-letter queue) for these sources only: the
    statement id, the condition operator on aws:SourceArn (ArnEquals for exact ARNs, ArnLike for a
    pattern) and the ARNs (rules or a bus). null, or no ARNs, lets no one send through the queue
    policy (a Lambda dead-letter queue, written by the function's role).
  EOT
  type = object({
    sid         = string
    test        = string
    source_arns = list(string)
  })
  default = null

  validation {
    condition     = var.eventbridge_senders == null || try(contains(["ArnEquals", "ArnLike"], var.eventbridge_senders.test), false)
    error_message = "eventbridge_senders.test must be \"ArnEquals\" (exact ARNs) or \"ArnLike\" (a pattern): the policy always names who may send, never every EventBridge rule of every account."
  }
}

variable "tags" {
  description = "Tags of the queue."
  type        = map(string)
  default     = {}
}
