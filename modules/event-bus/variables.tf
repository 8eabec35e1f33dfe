variable "create" {
  description = "Create the bus. false creates nothing."
  type        = bool
  default     = true
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

variable "type" {
  description = "\"partner\": the bus of the Genesys partner event source (its name is the source name). \"custom\": a bus for the webhook ingestion path."
  type        = string
  default     = "partner"

  validation {
    condition     = contains(["partner", "custom"], var.type)
    error_message = "type must be \"partner\" or \"custom\"; got \"${var.type}\"."
  }
}

variable "genesys_org_id" {
  description = "Genesys Cloud organization id (a UUID), for the partner source name."
  type        = string
  default     = null

  validation {
    condition     = var.genesys_org_id == null || can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.genesys_org_id))
    error_message = "genesys_org_id must be the organization's lower-case UUID (Admin > Organization Settings), e.g. \"7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70\"."
  }
}

variable "event_source_suffix" {
  description = "The event source suffix set in the Genesys EventBridge integration (up to 64 of [A-Za-z0-9._-])."
  type        = string
  default     = null

  validation {
    condition     = var.event_source_suffix == null || can(regex("^[A-Za-z0-9._-]{1,64}$", var.event_source_suffix))
    error_message = "event_source_suffix must be 1-64 of letters, digits, '.', '_' or '-' (what the Genesys integration accepts)."
  }
}

variable "partner_event_source_name" {
  description = "The full partner source name, instead of genesys_org_id + event_source_suffix."
  type        = string
  default     = null

  validation {
    condition     = var.partner_event_source_name == null || can(regex("^aws\\.partner/genesys\\.com/cloud/[0-9a-f-]{36}/[A-Za-z0-9._-]{1,64}$", var.partner_event_source_name))
    error_message = "partner_event_source_name must look like aws.partner/genesys.com/cloud/<orgId>/<suffix> (see EventBridge > Partner event sources)."
  }

  validation {
    condition     = !var.create || var.type != "partner" || var.partner_event_source_name != null || (var.genesys_org_id != null && var.event_source_suffix != null)
    error_message = "A partner bus (bus_type = \"partner\") needs its partner event source: partner_event_source_name, or genesys_org_id and event_source_suffix (EventBridge > Partner event sources lists it once the Genesys integration is installed)."
  }
}

variable "custom_bus_name" {
  description = "Name of the custom bus (type = \"custom\")."
  type        = string
  default     = "genesys-audit"

  validation {
    condition     = var.custom_bus_name != "default" && can(regex("^[A-Za-z0-9._-]{1,256}$", var.custom_bus_name))
    error_message = "custom_bus_name must be a custom bus name (letters, digits, '.', '_', '-'), never \"default\"."
  }
}

variable "lookup_partner_event_source" {
  description = "Read the partner source with data.aws_cloudwatch_event_source before creating the bus, so a missing source fails the plan clearly (step 2 of the two-step apply)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the bus and its archive (null: AWS owned key)."
  type        = string
  default     = null
}

variable "dead_letter_queue" {
  description = "Give the bus a dead-letter queue (SQS, encrypted with kms_key_arn, policy: this bus only). AWS recommends one whenever the bus uses a customer managed key: an event the bus cannot encrypt or decrypt (a disabled key, a key policy change) goes there instead of being dropped. Alarm on its depth (the root module does)."
  type        = bool
  default     = true
}

variable "dead_letter_queue_message_retention_seconds" {
  description = "How long the bus's dead-letter queue keeps an event (SQS allows up to 14 days)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dead_letter_queue_message_retention_seconds >= 60 && var.dead_letter_queue_message_retention_seconds <= 1209600
    error_message = "dead_letter_queue_message_retention_seconds must be 60-1209600 (14 days); got ${var.dead_letter_queue_message_retention_seconds}."
  }
}

variable "archive" {
  description = "EventBridge archive of every event on the bus, for replay after an outage or a rule fix. `prevent_destroy` (default true) makes Terraform refuse any plan that would delete it; to remove it deliberately see the README (\"Removing a protected trail or archive\")."
  type = object({
    enabled         = optional(bool, true)
    retention_days  = optional(number, 365)
    prevent_destroy = optional(bool, true)
  })
  default = {}

  validation {
    condition     = var.archive.retention_days >= 0
    error_message = "archive.retention_days must be 0 (keep forever) or more."
  }
}

variable "policy_statements" {
  description = "Extra bus policy statements (e.g. letting a central security account put events). Empty: no bus policy."
  type = list(object({
    sid        = string
    effect     = optional(string, "Allow")
    actions    = list(string)
    principals = list(object({ type = string, identifiers = list(string) }))
    conditions = optional(list(object({ test = string, variable = string, values = list(string) })), [])
  }))
  default = []
}

variable "name" {
  description = "Name prefix of the archive."
  type        = string
  default     = "genesys-audit"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
