variable "create" {
  description = "Create the query definitions and the dashboard that are enabled. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix of the query definitions' folder and of the dashboard name."
  type        = string
  default     = "genesys-audit"
}

variable "region" {
  description = "AWS region of the resources (null: the provider's)."
  type        = string
  default     = null
}

variable "query_definitions" {
  description = "CloudWatch Logs Insights query definitions, one per catalog rule in rule_keys, over the trail log groups (folder \"<name>/hunting\" in the console). The queries are generated from the catalog into modules/audit-rules/queries.json (`genesys-audit catalog docs`)."
  type = object({
    enabled         = optional(bool, false)
    rule_keys       = optional(list(string), [])
    log_group_names = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = !var.query_definitions.enabled || length(var.query_definitions.log_group_names) > 0
    error_message = "query_definitions.enabled = true needs the trail's log group in query_definitions.log_group_names (got none): enable the trail, or pass the log groups that hold the audit events."
  }
}

variable "dashboard" {
  description = "A CloudWatch dashboard of the pipeline: events in, matches per rule, alerts sent, failed invocations, dead-letter queue depth and silence."
  type = object({
    enabled                 = optional(bool, false)
    event_bus_name          = optional(string)
    trail_rule_name         = optional(string)
    rule_names              = optional(list(string), [])
    dead_letter_queue_names = optional(list(string), [])
    alert_service           = optional(string)
    metrics_namespace       = optional(string, "GenesysAudit")
    alarm_arns              = optional(list(string), [])
    silence_hours           = optional(number, 24)
  })
  default = {}

  validation {
    condition     = !var.create || !var.dashboard.enabled || var.dashboard.event_bus_name != null
    error_message = "dashboard.enabled = true needs dashboard.event_bus_name: the bus the pipeline's rules are on (the rule widgets' EventBusName dimension)."
  }
}

variable "tags" {
  description = "Tags (the dashboard and query definitions take none; kept for the module convention)."
  type        = map(string)
  default     = {}
}
