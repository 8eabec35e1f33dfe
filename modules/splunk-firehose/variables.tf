variable "create" {
  description = "Create the Splunk delivery stack. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the Firehose stream; prefix of its roles, log group, alarms and backup bucket."
  type        = string
  default     = "genesys-audit-splunk"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$", var.name))
    error_message = "name must be 2-40 lower-case letters, digits or '-' (it names the stream and prefixes its roles and, unless backup_bucket.name is given, the S3 bucket); got \"${var.name}\". Example: \"genesys-audit-splunk\"."
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
    KMS key encrypting the stream, the backup bucket and the error log group. null (default) creates a
    key with rotation whose policy lets exactly the Firehose role (through S3) and CloudWatch Logs (for
    this log group) use it. A key you bring must already allow both.
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

variable "log_retention_in_days" {
  description = "Retention of the Firehose error log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653); got ${var.log_retention_in_days}."
  }
}

variable "hec_endpoint" {
  description = "Splunk HTTP Event Collector URL (Firehose requires HTTPS with a publicly trusted certificate). Splunk Cloud: the Firehose endpoint of the stack, https://http-inputs-firehose-<stack>.splunkcloud.com:443, whose HEC token has indexer acknowledgement enabled (Firehose waits for the acknowledgement, hec_acknowledgment_timeout)."
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || (var.hec_endpoint != null && can(regex("^https://[^/\\s]+", var.hec_endpoint)))
    error_message = "hec_endpoint must be an https:// URL such as \"https://http-inputs-firehose-acme.splunkcloud.com:443\"; got ${jsonencode(var.hec_endpoint)}."
  }

  validation {
    condition     = !var.create || var.hec_endpoint == null || !can(regex("\\.splunkcloud\\.com", var.hec_endpoint)) || can(regex("^https://http-inputs-firehose-[a-z0-9-]+\\.splunkcloud\\.com(:443)?/?$", var.hec_endpoint))
    error_message = "For Splunk Cloud, Firehose must use the stack's Firehose endpoint https://http-inputs-firehose-<stack>.splunkcloud.com:443 (with indexer acknowledgement on the HEC token); got ${jsonencode(var.hec_endpoint)}."
  }
}

variable "hec_endpoint_type" {
  description = "HEC endpoint type: Event (JSON events, recommended for audit records) or Raw."
  type        = string
  default     = "Event"

  validation {
    condition     = contains(["Event", "Raw"], var.hec_endpoint_type)
    error_message = "hec_endpoint_type must be \"Event\" or \"Raw\"; got \"${var.hec_endpoint_type}\"."
  }
}

variable "hec_token_secret_arn" {
  description = <<-EOT
    Secrets Manager secret holding the HEC token as JSON {"hec_token": "<token>"} (Firehose's Secrets
    Manager integration reads it at delivery time). The token never passes through Terraform variables or state.
  EOT
  type        = string
  default     = null # with create = false

  validation {
    condition     = !var.create || (var.hec_token_secret_arn != null && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.hec_token_secret_arn)))
    error_message = "hec_token_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>) whose value is {\"hec_token\": \"...\"}."
  }
}

variable "hec_token_secret_kms_key_arn" {
  description = "Customer managed KMS key encrypting the HEC token secret, if any (decrypt allowed through Secrets Manager only)."
  type        = string
  default     = null

  validation {
    condition     = var.hec_token_secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.hec_token_secret_kms_key_arn))
    error_message = "hec_token_secret_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or null."
  }
}

variable "hec_acknowledgment_timeout" {
  description = "Seconds Firehose waits for the HEC indexer acknowledgment before it retries (180-600)."
  type        = number
  default     = 180

  validation {
    condition     = var.hec_acknowledgment_timeout >= 180 && var.hec_acknowledgment_timeout <= 600
    error_message = "hec_acknowledgment_timeout must be between 180 and 600 seconds; got ${var.hec_acknowledgment_timeout}."
  }
}

variable "retry_duration" {
  description = "Seconds Firehose keeps retrying delivery to Splunk before the batch goes to the S3 backup (0-7200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.retry_duration >= 0 && var.retry_duration <= 7200
    error_message = "retry_duration must be between 0 and 7200 seconds; got ${var.retry_duration}."
  }
}

variable "s3_backup_mode" {
  description = "What goes to the S3 backup bucket: FailedEventsOnly (default) or AllEvents."
  type        = string
  default     = "FailedEventsOnly"

  validation {
    condition     = contains(["FailedEventsOnly", "AllEvents"], var.s3_backup_mode)
    error_message = "s3_backup_mode must be \"FailedEventsOnly\" or \"AllEvents\"; got \"${var.s3_backup_mode}\"."
  }
}

variable "buffering" {
  description = "Buffering before delivery to Splunk: interval 0-60 s, size 1-5 MiB."
  type = object({
    interval_in_seconds = optional(number, 60)
    size_in_mb          = optional(number, 5)
  })
  default = {}

  validation {
    condition     = var.buffering.interval_in_seconds >= 0 && var.buffering.interval_in_seconds <= 60 && var.buffering.size_in_mb >= 1 && var.buffering.size_in_mb <= 5
    error_message = "buffering.interval_in_seconds must be 0-60 and buffering.size_in_mb 1-5 for a Splunk destination."
  }
}

variable "backup_bucket" {
  description = <<-EOT
    The S3 backup bucket (always private, SSE-KMS, versioned, TLS-only). `name` overrides
    "<name>-backup-<account>-<region>". `object_lock` (set at creation only) makes backups immutable:
    mode GOVERNANCE or COMPLIANCE for `days`. Lifecycle: objects expire after `expiration_days`,
    noncurrent versions after `noncurrent_version_expiration_days`; `access_log_bucket` enables S3
    server access logging into that bucket.
  EOT
  type = object({
    name                               = optional(string)
    force_destroy                      = optional(bool, false)
    expiration_days                    = optional(number, 400)
    noncurrent_version_expiration_days = optional(number, 30)
    access_log_bucket                  = optional(string)
    object_lock = optional(object({
      mode = optional(string, "GOVERNANCE")
      days = optional(number, 365)
    }))
  })
  default = {}

  validation {
    condition     = var.backup_bucket.object_lock == null || contains(["GOVERNANCE", "COMPLIANCE"], try(var.backup_bucket.object_lock.mode, ""))
    error_message = "backup_bucket.object_lock.mode must be \"GOVERNANCE\" or \"COMPLIANCE\"."
  }

  validation {
    condition     = var.backup_bucket.expiration_days >= 1 && var.backup_bucket.noncurrent_version_expiration_days >= 1
    error_message = "backup_bucket.expiration_days and backup_bucket.noncurrent_version_expiration_days must be at least 1."
  }

  validation {
    condition     = var.backup_bucket.object_lock == null || try(var.backup_bucket.object_lock.days, 0) <= var.backup_bucket.expiration_days
    error_message = "backup_bucket.object_lock.days must not exceed backup_bucket.expiration_days (locked objects cannot expire before the lock ends)."
  }
}

variable "source_rule_arns" {
  description = <<-EOT
    ARNs of the EventBridge rules that will target the stream. They scope the EventBridge role's trust
    policy (aws:SourceArn). Empty: the trust is scoped to this account only (aws:SourceAccount).
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.source_rule_arns : can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:rule/.+$", a))])
    error_message = "source_rule_arns must hold EventBridge rule ARNs like arn:aws:events:eu-west-1:123456789012:rule/<bus>/<rule>."
  }
}

variable "ops_topic_arn" {
  description = "SNS topic the delivery alarms notify (alarm and OK). null creates the alarms without actions."
  type        = string
  default     = null

  validation {
    condition     = var.ops_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.ops_topic_arn))
    error_message = "ops_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) or null."
  }
}

variable "alarms" {
  description = <<-EOT
    Delivery alarms. success: DeliveryToSplunk.Success (average) below `success_threshold` for
    `evaluation_periods` periods. throttled: ThrottledRecords above `throttled_records_threshold`.
    freshness: DeliveryToSplunk.DataFreshness (max age of undelivered data) above `data_freshness_seconds`.
  EOT
  type = object({
    period_seconds              = optional(number, 300)
    evaluation_periods          = optional(number, 3)
    success_threshold           = optional(number, 1)
    throttled_records_threshold = optional(number, 0)
    data_freshness_seconds      = optional(number, 900)
  })
  default = {}

  validation {
    condition     = var.alarms.success_threshold > 0 && var.alarms.success_threshold <= 1
    error_message = "alarms.success_threshold is a ratio in (0, 1] (1 = alarm on any failed delivery); got ${var.alarms.success_threshold}."
  }
}
