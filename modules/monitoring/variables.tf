variable "create" {
  description = "Create the alarms and the ops topic. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix of alarm names and of the ops topic."
  type        = string
  default     = "genesys-audit"
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

variable "event_bus_name" {
  description = "The bus the rules are on (alarm dimension); null only with create = false."
  type        = string
  default     = null

  validation {
    condition     = !var.create || var.event_bus_name != null
    error_message = "event_bus_name is required: the bus the rules are on (the rule alarms' EventBusName dimension)."
  }
}

variable "rule_names" {
  description = "Every rule with a target, whatever the destination (alert-only rules included): each alarms on FailedInvocations > 0 and on InvocationsFailedToBeSentToDlq > 0."
  type        = list(string)
}

variable "dead_letter_queue_names" {
  description = "Dead-letter queues to alarm on as soon as one message is in them."
  type        = list(string)
}

variable "silence" {
  description = "Pipeline silence: alarm when the trail rule matched no event for `hours` hours (missing data counts as silence)."
  type = object({
    enabled   = optional(bool, true)
    rule_name = optional(string)
    hours     = optional(number, 6)
  })
  default = {}

  validation {
    condition     = var.silence.hours >= 1 && var.silence.hours <= 24
    error_message = "silence.hours must be 1-24 (one-hour periods, at most a day of evaluation)."
  }
}

variable "ops_topic_arn" {
  description = "An existing SNS topic for operational alarms; null creates one (KMS encrypted, TLS only)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key for the ops topic this module creates (its policy must allow cloudwatch.amazonaws.com)."
  type        = string
  default     = null
}

variable "ops_email_subscriptions" {
  description = "E-mail addresses subscribed to the ops topic this module creates."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
