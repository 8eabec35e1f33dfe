variable "create" {
  description = "Whether to create anything."
  type        = bool
  default     = true
}

variable "name" {
  description = "Function name; also names its log group (/aws/lambda/<name>) and, with the region, its role."
  type        = string
}

variable "region" {
  description = "AWS region of the function (provider v6 per-resource region)."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for ARNs known at plan time (the root module passes its caller identity's)."
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

variable "description" {
  description = "What the function does (function and role description)."
  type        = string
}

variable "handler_package" {
  description = "Top-level package of lambda_src/ holding handler.py (alert, ingestion, consumer); also the role policy's name."
  type        = string
}

variable "policy_json" {
  description = "The function's own permissions (an IAM policy document JSON), including sqs:SendMessage on the dead_letter queue when set. Writing to its own log group is added here."
  type        = string
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "package" {
  description = "Lambda packaging: sources, architecture and the Powertools layer (see modules/lambda-package)."
  type = object({
    source_dir               = optional(string)
    output_dir               = optional(string)
    architecture             = optional(string, "x86_64")
    powertools_layer_version = optional(number, 27)
    powertools_layer_arn     = optional(string)
    extra_layers             = optional(list(string), [])
  })
  default = {}
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency; null leaves the function on the account's unreserved pool."
  type        = number
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key encrypting the function environment and its log group (its policy must allow logs.<region>.amazonaws.com for this log group)."
  type        = string
}

variable "dead_letter" {
  description = "A dead-letter queue `<name>-dlq` (KMS-encrypted with kms_key_arn, TLS only, the role may send to it) for asynchronous invocations that failed every retry; null for synchronous or queue-polled functions."
  type = object({
    message_retention_seconds = optional(number, 1209600)
  })
  default = null
}

variable "async_invoke" {
  description = "Retry settings of asynchronous invocations; null leaves Lambda's defaults (2 retries, 6 hours)."
  type = object({
    maximum_retry_attempts       = number
    maximum_event_age_in_seconds = number
  })
  default = null
}

variable "tracing_enabled" {
  description = "X-Ray active tracing (attaches AWSXRayDaemonWriteAccess)."
  type        = bool
  default     = false
}

variable "vpc_config" {
  description = "Run the function in these subnets and security groups (attaches AWSLambdaVPCAccessExecutionRole); null runs it outside a VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "code_signing_config_arn" {
  description = "Lambda code signing configuration to enforce."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
