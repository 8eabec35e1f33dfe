variable "create" {
  description = "Create the scheduled backfill. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the backfill function and its schedule rule; prefix of its role (with the region) and log group."
  type        = string
  default     = "genesys-audit-backfill"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name))
    error_message = "name must be 1-40 letters, digits, '_' or '-'; got \"${var.name}\". Example: \"genesys-audit-backfill\"."
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

variable "event_bus_name" {
  description = "The custom bus the audits are put on (its rules must accept `event_source`); the default and partner buses are refused."
  type        = string

  validation {
    condition     = var.event_bus_name != "default" && !startswith(var.event_bus_name, "aws.partner/")
    error_message = "event_bus_name must name a custom bus; got \"${var.event_bus_name}\". A partner bus cannot take PutEvents with a non-aws source: use the custom bus of bus_type = \"custom\"."
  }
}

variable "event_source" {
  description = "The `source` of the backfilled events (the webhook path's, which the rules of a custom bus accept)."
  type        = string
  default     = "genesys.audit.webhook"

  validation {
    condition     = !startswith(var.event_source, "aws.")
    error_message = "event_source must not start with \"aws.\" (reserved by AWS); got \"${var.event_source}\"."
  }
}

variable "genesys_region" {
  description = "The org's Genesys Cloud region, as the domain of its login URL (e.g. \"mypurecloud.ie\")."
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || try(contains(local.residency.genesys_domains, var.genesys_region), false)
    error_message = "genesys_region must be a Genesys Cloud region domain such as \"mypurecloud.ie\" (login.mypurecloud.ie): ${join(", ", local.residency.genesys_domains)}; got ${jsonencode(var.genesys_region)}."
  }
}

variable "genesys_credentials_secret_arn" {
  description = "Secrets Manager secret holding {\"client_id\", \"client_secret\"} of a client-credentials OAuth client whose role grants audits:audit:view."
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || (var.genesys_credentials_secret_arn != null && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.genesys_credentials_secret_arn)))
    error_message = "genesys_credentials_secret_arn must be a Secrets Manager secret ARN, e.g. arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-audit/backfill-AbCdEf."
  }
}

variable "genesys_credentials_kms_key_arn" {
  description = "Customer managed KMS key of the credentials secret (kms:Decrypt through Secrets Manager is granted); null for the AWS managed key."
  type        = string
  default     = null
}

variable "genesys_sdk_layer_arn" {
  description = "Lambda layer with the Genesys SDK (`pip install purecloudplatformclientv2==269.0.0 -t python/`); third-party code never ships in the function's zip."
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || (var.genesys_sdk_layer_arn != null && can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.genesys_sdk_layer_arn)))
    error_message = "genesys_sdk_layer_arn must be a versioned layer ARN, e.g. arn:aws:lambda:eu-west-1:123456789012:layer:genesys-sdk:3."
  }
}

variable "schedule_expression" {
  description = "When the backfill runs (an EventBridge schedule on the default bus)."
  type        = string
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be rate(...) or cron(...); got \"${var.schedule_expression}\"."
  }
}

variable "lookback_hours" {
  description = "Each run covers the last this-many full hours; windows its checkpoint marks done are skipped."
  type        = number
  default     = 24

  validation {
    condition     = var.lookback_hours >= 1 && var.lookback_hours <= 8760
    error_message = "lookback_hours must be 1-8760."
  }
}

variable "settle_minutes" {
  description = "An hour is read only this long after it ended (the audit API catches up)."
  type        = number
  default     = 15
}

variable "service_names" {
  description = "Genesys audit services to read; empty reads every service in the API's service mapping."
  type        = list(string)
  default     = []
}

variable "trail_log_group_name" {
  description = "The trail log group: when set, audits it already has are not put again (only the holes are filled)."
  type        = string
  default     = null
}

variable "checkpoint_parameter_name" {
  description = "SSM parameter the function keeps its checkpoint in (it creates the parameter on its first run)."
  type        = string
  default     = null

  validation {
    condition     = var.checkpoint_parameter_name == null || can(regex("^/[A-Za-z0-9_./-]+$", var.checkpoint_parameter_name))
    error_message = "checkpoint_parameter_name must be a path like \"/genesys-audit/backfill-checkpoint\"."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the function's log group and environment (must allow CloudWatch Logs); null uses AWS owned keys."
  type        = string
  default     = null
}

variable "timeout" {
  description = "Function timeout in seconds; a run stops between pages 10 s before it and the next run resumes."
  type        = number
  default     = 900
}

variable "memory_size" {
  description = "Function memory in MB (the SDK is large to import)."
  type        = number
  default     = 512
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's EMF metrics."
  type        = string
  default     = "GenesysAudit"
}

variable "package" {
  description = "Lambda packaging; the SDK layer is added to `extra_layers`."
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

variable "ops_topic_arn" {
  description = "SNS topic the alarms notify: a failed run (alarm and OK) and holes found in the trail. null creates the alarms without actions."
  type        = string
  default     = null

  validation {
    condition     = var.ops_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.ops_topic_arn))
    error_message = "ops_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) or null."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the backfill (1: runs never overlap). null: no reservation, for accounts whose Lambda concurrency quota is too low to reserve any (a run is then short enough not to overlap the next at the default schedule)."
  type        = number
  default     = 1

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 1, false)
    error_message = "reserved_concurrent_executions must be at least 1; got ${coalesce(var.reserved_concurrent_executions, -1)}. Or null for no reservation."
  }
}
