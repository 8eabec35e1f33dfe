variable "create" {
  description = "Create the threshold function, its counting table and dead-letter queue."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the function, prefix of the table and dead-letter queue (e.g. \"genesys-audit-threshold\")."
  type        = string
}

variable "region" {
  description = "AWS region of every resource of the module."
  type        = string
}

variable "rules" {
  description = <<-EOT
    Threshold (burst) rules routed to the function, keyed by rule key. Each gets a Lambda permission naming
    exactly its rule_arn, and an input transformer in the `destination` output that sends
    {"rule", "severity", "title", "runbook_url", "threshold": {count, window_minutes, group_by}, "event"}.
    The targets themselves are made by modules/audit-rules.
  EOT
  type = map(object({
    rule_arn    = string
    severity    = string
    title       = string
    runbook_url = optional(string, "")
    threshold = object({
      count          = number
      window_minutes = number
      group_by       = string
    })
  }))
  default = {}

  validation {
    condition = alltrue([for k, r in var.rules :
      r.threshold.count >= 1 && floor(r.threshold.count) == r.threshold.count &&
      r.threshold.window_minutes >= 1 && r.threshold.window_minutes <= 1440 && floor(r.threshold.window_minutes) == r.threshold.window_minutes &&
      contains(["actor", "entity", "source_ip", "user"], r.threshold.group_by)
    ])
    error_message = "Each rules[*].threshold needs an integer count >= 1, an integer window_minutes from 1 to 1440 and group_by one of actor, entity, source_ip, user; got: ${jsonencode({ for k, r in var.rules : k => r.threshold })}."
  }
}

variable "alert_topic_arn" {
  description = "SNS topic the threshold alerts are published to (modules/alerting `topic_arn`); null only with create = false."
  type        = string
  default     = null

  validation {
    condition     = !var.create || (var.alert_topic_arn != null && can(regex("^arn:[^:]+:sns:[^:]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alert_topic_arn)))
    error_message = "alert_topic_arn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got ${jsonencode(var.alert_topic_arn)}: pass modules/alerting's topic_arn (enable alerting)."
  }
}

variable "alert_topic_kms_key_arn" {
  description = "KMS key encrypting the alert topic (modules/alerting `kms_key_arn`): the function may use it only through SNS."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key encrypting the counting table, the dead-letter queue, the log group and the environment (the pipeline's key). Its policy must let CloudWatch Logs use it for this function's log group."
  type        = string
}

variable "claim_seconds" {
  description = "How long the invocation sending a window's alert holds it before another may send it (if the first died). At least twice the timeout."
  type        = number
  default     = 120

  validation {
    condition     = var.claim_seconds >= 30 && var.claim_seconds <= 86400
    error_message = "claim_seconds must be from 30 to 86400, got ${var.claim_seconds}."
  }
}

variable "ops_topic_arn" {
  description = "SNS topic for the module's alarms (function errors, dead-letter queue depth); null: alarms without actions."
  type        = string
  default     = null
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; null runs it on the unreserved pool."
  type        = number
  default     = null
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

variable "timeout" {
  description = "Function timeout in seconds."
  type        = number
  default     = 30
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's EMF metrics."
  type        = string
  default     = "GenesysAudit"
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365
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
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
