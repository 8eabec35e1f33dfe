variable "create" {
  description = "Create the webhook ingestion stack. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the ingestion function and the HTTP API; prefix of their log groups and alarm."
  type        = string
  default     = "genesys-audit-ingestion"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name))
    error_message = "name may contain only letters, digits, '_' and '-' (1-40 characters); got \"${var.name}\". Example: \"genesys-audit-ingestion\"."
  }
}

variable "region" {
  description = "AWS region of every regional resource (AWS provider v6 per-resource region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as \"eu-west-1\"; got \"${var.region}\"."
  }
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

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = <<-EOT
    KMS key encrypting the function and access log groups, the function environment and the replay table. null (default)
    creates a key with rotation whose policy lets CloudWatch Logs use it for exactly these log groups.
    A key you bring must already allow CloudWatch Logs and let IAM policies of this account use it (the replay table).
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias, or null to create one."
  }
}

variable "create_kms_key" {
  description = "Whether this module creates its key: null (default) creates one unless kms_key_arn is given; false uses kms_key_arn even when it is known only after apply (a key made in the same configuration, as the root module does)."
  type        = bool
  default     = null
}

variable "memory_size" {
  description = "Memory of the alert function in MB."
  type        = number
  default     = 256
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653); got ${var.log_retention_in_days}."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR; got \"${var.log_level}\"."
  }
}

variable "tracing_enabled" {
  description = "X-Ray active tracing for the function and the API stage (attaches AWSXRayDaemonWriteAccess)."
  type        = bool
  default     = false
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's EMF metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "GenesysAudit"
}

variable "package" {
  description = "Lambda packaging: sources, architecture and the Powertools layer."
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

variable "code_signing_config_arn" {
  description = "Lambda code signing configuration to enforce, if your organisation signs packages."
  type        = string
  default     = null
}

variable "vpc_config" {
  description = "Run the function in these subnets (they need egress to EventBridge and Secrets Manager)."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "event_bus_name" {
  description = "Name of the custom event bus the webhook events are put on (never the default or a partner bus)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_bus_name)) && var.event_bus_name != "default"
    error_message = "event_bus_name must be the name (not the ARN) of a custom event bus such as \"genesys-audit\"; \"default\" and partner buses (aws.partner/...) are refused: the webhook path puts events on its own bus."
  }
}

variable "webhook_secret_arn" {
  description = "Secrets Manager secret with the HMAC key(s) the webhook is signed with: JSON {\"current\": \"...\", \"previous\": \"...\"} (previous optional, for rotation)."
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || (var.webhook_secret_arn != null && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.webhook_secret_arn)))
    error_message = "webhook_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>); the secret itself never passes through Terraform."
  }
}

variable "webhook_secret_kms_key_arn" {
  description = "Customer managed KMS key encrypting the webhook secret, if any (decrypt is allowed through Secrets Manager only)."
  type        = string
  default     = null

  validation {
    condition     = var.webhook_secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.webhook_secret_kms_key_arn))
    error_message = "webhook_secret_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or null."
  }
}

variable "signature_header" {
  description = "Request header carrying the HMAC-SHA256 signature (Genesys documents X-Hub-Signature-256 for its outbound webhooks)."
  type        = string
  default     = "X-Hub-Signature-256"
}

variable "signature_timestamp_header" {
  description = "Request header carrying the Unix time (seconds or milliseconds) the sender signed together with the body: the signature covers `<timestamp>.<body>`. Requests without it, or outside signature_tolerance_seconds, are refused (401)."
  type        = string
  default     = "X-Signature-Timestamp"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,64}$", var.signature_timestamp_header))
    error_message = "signature_timestamp_header must be an HTTP header name (letters, digits, '-'; 1-64 characters) such as \"X-Signature-Timestamp\"; got \"${var.signature_timestamp_header}\"."
  }
}

variable "signature_tolerance_seconds" {
  description = "Accepted clock skew between the webhook's timestamp and now; a signed request is refused if replayed within twice this window, and refused as too old after it."
  type        = number
  default     = 300

  validation {
    condition     = var.signature_tolerance_seconds >= 30 && var.signature_tolerance_seconds <= 3600
    error_message = "signature_tolerance_seconds must be between 30 and 3600; got ${var.signature_tolerance_seconds}."
  }
}

variable "event_source" {
  description = "Source of the events put on the bus (rules on the custom bus match it)."
  type        = string
  default     = "genesys.audit.webhook" # the ingestion handler's default and the root module's custom_event_source

  validation {
    condition     = !startswith(var.event_source, "aws.")
    error_message = "event_source must not start with \"aws.\" (reserved by AWS; PutEvents rejects it); e.g. \"genesys.audit.webhook\"."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the API stage accepts."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive; got ${var.throttling_rate_limit}."
  }
}

variable "throttling_burst_limit" {
  description = "Burst of requests the API stage accepts."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit > 0
    error_message = "throttling_burst_limit must be positive; got ${var.throttling_burst_limit}."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the ingestion function (caps its share of the account and guarantees capacity). null: no reservation (accounts with a low Lambda concurrency quota cannot reserve any)."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 1, false)
    error_message = "reserved_concurrent_executions must be at least 1; got ${coalesce(var.reserved_concurrent_executions, -1)}. Or null for no reservation."
  }
}

variable "timeout" {
  description = "Timeout of the ingestion function in seconds (API Gateway HTTP APIs wait at most 30 s)."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 3 && var.timeout <= 29
    error_message = "timeout must be between 3 and 29 seconds (the HTTP API integration limit is 30 s); got ${var.timeout}."
  }
}

variable "ops_topic_arn" {
  description = "SNS topic the PutEvents-failure alarm notifies (alarm and OK). null creates the alarm without actions."
  type        = string
  default     = null

  validation {
    condition     = var.ops_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.ops_topic_arn))
    error_message = "ops_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) or null."
  }
}

variable "put_events_failure_alarm" {
  description = <<-EOT
    Alarm when the function reports more than `threshold` failed PutEvents entries within `period_seconds`.
    The function emits the EMF metric `metric_name` (namespace var.metrics_namespace, dimension service = var.name).
  EOT
  type = object({
    metric_name    = optional(string, "PutEventsFailedEntries")
    threshold      = optional(number, 5)
    period_seconds = optional(number, 300)
  })
  default = {}

  validation {
    condition     = contains([60, 300, 900, 3600], var.put_events_failure_alarm.period_seconds)
    error_message = "put_events_failure_alarm.period_seconds must be one of 60, 300, 900, 3600; got ${var.put_events_failure_alarm.period_seconds}."
  }
}
