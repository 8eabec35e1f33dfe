variable "create" {
  description = "Create the consumer. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the consumer function; prefix of its role (with the region), log group and table."
  type        = string
  default     = "genesys-audit-consumer"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name))
    error_message = "name must be 1-40 letters, digits, '_' or '-'; got \"${var.name}\"."
  }
}

variable "region" {
  description = "AWS region (AWS provider v6 per-resource region)."
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

variable "queue_arn" {
  description = "The detections queue the function consumes (modules/sqs-target `queue_arn`)."
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || (var.queue_arn != null && can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.queue_arn)))
    error_message = "queue_arn must be an SQS queue ARN like arn:aws:sqs:eu-central-1:123456789012:genesys-audit-detections."
  }
}

variable "queue_kms_key_arn" {
  description = "KMS key encrypting the queue (the function needs kms:Decrypt on it)."
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || var.queue_kms_key_arn != null
    error_message = "queue_kms_key_arn must be the ARN of the KMS key encrypting the queue (the root module's key); it may be null only with create = false."
  }
}

variable "watched_properties" {
  description = "propertyChanges[].property names flagged in each finding's watchedChanges when they really changed (old != new, which EventBridge patterns cannot compare), so the SIEM can rank them. Never hides a finding; records whose every change is a no-op are dropped."
  type        = list(string)
  default     = ["divisionId", "scopes", "secret", "permissionPolicies"]
}

variable "finding_sink" {
  description = "Where findings go: \"log\" (one JSON line per finding in the function's log group, for a subscription filter to the SIEM) or \"package.module:function\" shipped in a layer (called with the finding dict)."
  type        = string
  default     = "log"

  validation {
    condition     = can(regex("^(log|[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*)$", var.finding_sink))
    error_message = "finding_sink must be \"log\" or \"package.module:function\" (a callable in the package or a layer)."
  }
}

variable "batch_size" {
  description = "Messages per invocation."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 100
    error_message = "batch_size must be 1-100."
  }
}

variable "timeout" {
  description = "Function timeout in seconds (the queue's visibility timeout must be at least six times this)."
  type        = number
  default     = 30
}

variable "memory_size" {
  description = "Function memory in MB."
  type        = number
  default     = 256
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365
}

variable "idempotency_expires_after_seconds" {
  description = "How long a processed audit id is remembered (Genesys retries for up to 4 days: default 5)."
  type        = number
  default     = 432000
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's EMF metrics."
  type        = string
  default     = "GenesysAudit"
}

variable "package" {
  description = "Lambda packaging."
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

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "enrichment" {
  description = "Names for the ids in each finding (acting user and OAuth client, entity, divisions, roles), read from the Genesys Cloud API within budget_ms; on timeout, throttling or refusal the finding goes out with ids and a \"names unavailable\" note. Needs a client-credentials OAuth client with the read-only permissions listed in the README (\"Enrichment\"), as {\"client_id\", \"client_secret\"} in Secrets Manager (credentials_kms_key_arn: its customer managed key, if any)."
  type = object({
    enabled                 = optional(bool, false)
    credentials_secret_arn  = optional(string)
    credentials_kms_key_arn = optional(string)
    genesys_region          = optional(string)
    budget_ms               = optional(number, 1500)
  })
  default  = {}
  nullable = false
  # validated by modules/genesys-enrichment
}

variable "idempotency_table_name" {
  description = "An idempotency table to share (the alert function's, modules/alerting `idempotency_table_name`: same id/expiration schema, keys prefixed per function), encrypted with queue_kms_key_arn. null (default): the module creates its own."
  type        = string
  default     = null

  validation {
    condition     = var.idempotency_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.idempotency_table_name))
    error_message = "idempotency_table_name must be a DynamoDB table name (3-255 letters, digits, '_', '.', '-') or null; got ${jsonencode(var.idempotency_table_name)}."
  }
}
