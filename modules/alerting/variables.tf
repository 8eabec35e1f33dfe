variable "create" {
  description = "Create the alerting stack. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the alert function; also the prefix of its topic, table, queue and key alias."
  type        = string
  default     = "genesys-audit-alert"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name))
    error_message = "name may contain only letters, digits, '_' and '-' (1-40 characters, room for suffixes); got \"${var.name}\". Example: \"genesys-audit-alert\"."
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

variable "rules" {
  description = <<-EOT
    EventBridge rules routed to the alert function, keyed by rule key (the catalog key, e.g.
    "oauth-client-delete"). Each gets a Lambda permission naming exactly its rule_arn (until they pass
    permissions_max_bytes, see rule_arn_pattern), and an input transformer in the `destination` output
    that sends
    {"rule": key, "severity", "title", "runbook_url", "event": <the whole event>}. The targets
    themselves are made by modules/audit-rules, with every other target of the pipeline.
  EOT
  type = map(object({
    rule_arn    = string
    severity    = string
    title       = string
    runbook_url = optional(string, "")
  }))
  default = {}

  validation {
    condition     = alltrue([for k, r in var.rules : contains(["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"], r.severity)])
    error_message = "rules[*].severity must be one of CRITICAL, HIGH, MEDIUM, LOW, INFO (upper case); got: ${join(", ", [for k, r in var.rules : "${k}=${r.severity}"])}."
  }

  validation {
    condition     = alltrue([for k, r in var.rules : can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:rule/.+$", r.rule_arn))])
    error_message = "rules[*].rule_arn must be an EventBridge rule ARN like arn:aws:events:eu-west-1:123456789012:rule/<bus>/<rule>; check: ${join(", ", [for k, r in var.rules : k if !can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:rule/.+$", r.rule_arn))])}."
  }

  validation {
    condition     = alltrue([for k, r in var.rules : can(regex("^[A-Za-z0-9._-]{1,64}$", k))])
    error_message = "rules keys must be 1-64 letters, digits, '.', '_' or '-' (they name the Lambda permission statement); e.g. \"oauth-client-delete\"."
  }

  validation {
    condition     = alltrue([for k, r in var.rules : r.runbook_url == "" || can(regex("^https://", r.runbook_url))])
    error_message = "rules[*].runbook_url must be empty or an https:// URL."
  }
}


variable "rule_arn_pattern" {
  description = "Every rule of this pipeline, as modules/audit-rules gives it (`rule_arn_pattern`: arn:...:rule/<bus>/<name>-*). Once one permission per rule would take more than permissions_max_bytes of the function's resource policy (Lambda allows 20 KB for all its statements), one permission with this pattern replaces them. null keeps one permission per rule, however many."
  type        = string
  default     = null

  validation {
    condition     = var.rule_arn_pattern == null || can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:rule/.+-\\*$", var.rule_arn_pattern))
    error_message = "rule_arn_pattern must be this pipeline's rule ARN prefix ending in -*, like arn:aws:events:eu-west-1:123456789012:rule/<bus>/<name>-* (modules/audit-rules `rule_arn_pattern`)."
  }
}

variable "permissions_max_bytes" {
  description = "How much of the function's 20,480-byte resource policy the per-rule permissions may take before rule_arn_pattern replaces them; the rest is headroom for permissions added outside this module."
  type        = number
  default     = 16384

  validation {
    condition     = var.permissions_max_bytes > 0 && var.permissions_max_bytes <= 20480
    error_message = "permissions_max_bytes must be 1 to 20480 (Lambda's resource policy quota)."
  }
}

variable "email_subscriptions" {
  description = "E-mail addresses subscribed to the alert topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.email_subscriptions : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "email_subscriptions must be e-mail addresses such as \"soc@example.com\"."
  }
}

variable "https_subscriptions" {
  description = "HTTPS endpoints subscribed to the alert topic (they must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.https_subscriptions : can(regex("^https://", u))])
    error_message = "https_subscriptions must be https:// URLs (plain http is refused: alerts carry audit data)."
  }
}

variable "slack_secret_arn" {
  description = "Secrets Manager secret holding the Slack incoming-webhook URL (JSON {\"url\": ...}); null disables Slack."
  type        = string
  default     = null

  validation {
    condition     = var.slack_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.slack_secret_arn))
    error_message = "slack_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>) or null."
  }
}

variable "teams_secret_arn" {
  description = "Secrets Manager secret holding the Microsoft Teams workflow URL (JSON {\"url\": ...}); null disables Teams."
  type        = string
  default     = null

  validation {
    condition     = var.teams_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.teams_secret_arn))
    error_message = "teams_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>) or null."
  }
}

variable "pagerduty_secret_arn" {
  description = "Secrets Manager secret holding the PagerDuty Events v2 routing key (JSON {\"routing_key\": ...}); null disables PagerDuty."
  type        = string
  default     = null

  validation {
    condition     = var.pagerduty_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.pagerduty_secret_arn))
    error_message = "pagerduty_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>) or null."
  }
}

variable "secrets_kms_key_arns" {
  description = "Customer managed KMS keys encrypting the chat/PagerDuty secrets, if any (the function may decrypt through Secrets Manager only)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.secrets_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", k))])
    error_message = "secrets_kms_key_arns must hold KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>), not aliases."
  }
}

variable "kms_key_arn" {
  description = <<-EOT
    KMS key encrypting the topic, queue, table, logs and function environment. null (default) creates a
    key with rotation whose policy lets exactly these services and this function use it. A key you bring
    must already allow SNS, SQS (events.amazonaws.com for the DLQ), CloudWatch Logs and DynamoDB.
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

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the alert function so security alerts never queue behind other workloads. null leaves it on the account's unreserved pool: accounts whose Lambda concurrency quota is low (new accounts start at 10, and AWS keeps 10 unreserved) cannot reserve any."
  type        = number
  default     = 5

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 5, false)
    error_message = "reserved_concurrent_executions must be at least 5 so alerts are not throttled behind other functions; got ${coalesce(var.reserved_concurrent_executions, -1)}. Or null for no reservation (an account with a low concurrency quota)."
  }
}

variable "memory_size" {
  description = "Memory of the alert function in MB."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Timeout of the alert function in seconds."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 3 && var.timeout <= 900
    error_message = "timeout must be between 3 and 900 seconds; got ${var.timeout}."
  }
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
  description = "X-Ray active tracing for the function (attaches AWSXRayDaemonWriteAccess)."
  type        = bool
  default     = false
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's EMF metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "GenesysAudit"
}

variable "idempotency_expires_after_seconds" {
  description = "How long an alerted audit id is remembered. Genesys retries for up to 4 days, so the default is 5 days."
  type        = number
  default     = 432000

  validation {
    condition     = var.idempotency_expires_after_seconds >= 3600
    error_message = "idempotency_expires_after_seconds must be at least 3600 (Genesys retries for up to 4 days; 432000 is recommended); got ${var.idempotency_expires_after_seconds}."
  }
}

variable "skip_replays" {
  description = "Do not alert on events replayed from an EventBridge archive (they carry a replay-name)."
  type        = bool
  default     = true
}

variable "dlq_message_retention_seconds" {
  description = "Retention of the alert function's dead-letter queue (invocations that failed every retry)."
  type        = number
  default     = 1209600
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
  description = "Run the function in these subnets (they need egress to SNS, DynamoDB, Secrets Manager and the chat endpoints)."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "ops_topic_arn" {
  description = "SNS topic the channel-failure and deduplication-unavailable alarms notify (alarm and OK). null creates them without actions. Point it at a topic that does not depend on the alert channels."
  type        = string
  default     = null

  validation {
    condition     = var.ops_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.ops_topic_arn))
    error_message = "ops_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) or null."
  }
}

variable "enrichment" {
  description = "Names for the ids in each alert (acting user and OAuth client, entity, divisions, roles), read from the Genesys Cloud API within budget_ms; on timeout, throttling or refusal the alert goes out with ids and a \"names unavailable\" note. Needs a client-credentials OAuth client with the read-only permissions listed in the README (\"Enrichment\"), as {\"client_id\", \"client_secret\"} in Secrets Manager (credentials_kms_key_arn: its customer managed key, if any)."
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
