variable "create" {
  description = "Create the rules. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix of every rule name (rules are named \"<name>-<key>\")."
  type        = string
  default     = "genesys-audit"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,33}$", var.name))
    error_message = "name must be 1-33 letters, digits, '.', '_' or '-' so that \"<name>-<key>\" stays within EventBridge's 64 characters; got \"${var.name}\"."
  }
}

variable "region" {
  description = "AWS region of the rules (AWS provider v6 per-resource region)."
  type        = string
}

variable "account_id" {
  description = "AWS account id, used to build rule ARNs that are known at plan time."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits; got \"${var.account_id}\"."
  }
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "event_bus_name" {
  description = "The bus the rules listen on: the Genesys partner bus or the custom webhook bus. Never the default bus; null only with create = false."
  type        = string
  default     = null

  validation {
    condition     = !var.create || var.event_bus_name != null
    error_message = "event_bus_name is required: the name of the Genesys partner bus or the custom webhook bus the rules listen on."
  }

  validation {
    condition     = var.event_bus_name == null || (var.event_bus_name != "default" && var.event_bus_name != "")
    error_message = "event_bus_name must be the dedicated Genesys bus, not the default bus: audit events on the default bus compete with every AWS service event and widen who can put events."
  }
}

variable "sources" {
  description = "Event sources the rules accept (the partner source name, the webhook source). Empty accepts any source on the bus."
  type        = list(string)
  default     = []
}

variable "catalog" {
  description = <<-EOT
    Catalog choices: `disabled` keys, per-key `severity` overrides, per-key `destinations` overrides,
    and `domains` to keep (empty keeps every domain; e.g. ["recording"] for a recording-only rule set).
  EOT
  type = object({
    disabled     = optional(list(string), [])
    severity     = optional(map(string), {})
    destinations = optional(map(list(string)), {})
    domains      = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = alltrue([for k, s in var.catalog.severity : contains(["CRITICAL", "HIGH", "MEDIUM", "LOW"], s)])
    error_message = "catalog.severity values must be CRITICAL, HIGH, MEDIUM or LOW; got ${jsonencode(var.catalog.severity)}."
  }
}

variable "custom_rules" {
  description = "Extra rules with a raw EventBridge pattern (JSON string), keyed by rule key. Exclusions are not added to custom patterns."
  type = map(object({
    title         = string
    description   = optional(string, "")
    severity      = string
    domain        = optional(string, "custom")
    event_pattern = string
    runbook_url   = optional(string, "")
    destinations  = optional(list(string), ["queue"])
  }))
  default = {}

  validation {
    condition     = alltrue([for k, r in var.custom_rules : can(jsondecode(r.event_pattern)) && can(keys(jsondecode(r.event_pattern)))])
    error_message = "custom_rules[*].event_pattern must be a JSON object, e.g. jsonencode({ detail = { eventBody = { entityType = [\"Flow\"] } } })."
  }

  validation {
    condition     = alltrue([for k, r in var.custom_rules : contains(["CRITICAL", "HIGH", "MEDIUM", "LOW"], r.severity)])
    error_message = "custom_rules[*].severity must be CRITICAL, HIGH, MEDIUM or LOW."
  }

  validation {
    condition     = alltrue([for k, r in var.custom_rules : can(regex("^[a-z0-9][a-z0-9-]{0,40}$", k))])
    error_message = "custom_rules keys must be lower-case letters, digits and '-' (at most 41 characters), e.g. \"flow-publish\"."
  }
}

variable "exclusions" {
  description = <<-EOT
    Compiled into every catalog pattern. `client_ids`: OAuth clients of your own automation (the
    infinite-loop guard); `user_ids`: trusted service users; `trusted_cidrs`: IPv4 ranges whose
    requests are not alerted on (prefix length 8 to 24; expanded to whole octets). Events that lack
    the field are kept.
  EOT
  type = object({
    client_ids    = optional(list(string), [])
    user_ids      = optional(list(string), [])
    trusted_cidrs = optional(list(string), [])
  })
  default = {}

  validation {
    condition = alltrue([for c in var.exclusions.trusted_cidrs :
    can(cidrhost(c, 0)) && can(regex("^[0-9.]+/([89]|1[0-9]|2[0-4])$", c))])
    error_message = "exclusions.trusted_cidrs must be IPv4 CIDRs with a prefix length from /8 to /24 (EventBridge can exclude whole octets only, via anything-but prefix); got ${jsonencode(var.exclusions.trusted_cidrs)}. Split a /25-/32 into a /24 or filter it in the consumer."
  }

  validation {
    condition     = sum(concat([0], [for c in var.exclusions.trusted_cidrs : pow(2, (ceil(tonumber(split("/", c)[1]) / 8) * 8) - tonumber(split("/", c)[1]))])) <= 64
    error_message = "exclusions.trusted_cidrs expand to more than 64 octet prefixes, which would push patterns past the 2,048-character limit; use fewer or wider ranges."
  }
}

variable "trail_rule" {
  description = "The catch-all rule: every audit except noisy entity types (UserPresence), to the trail and the SIEM. Exclusions apply only when apply_exclusions is true: an immutable trail should have no holes."
  type = object({
    enabled              = optional(bool, true)
    exclude_entity_types = optional(list(string), ["UserPresence"])
    destinations         = optional(list(string), ["trail", "siem"])
    apply_exclusions     = optional(bool, false)
  })
  default = {}
}

variable "destinations" {
  description = <<-EOT
    Where matched events go, keyed by destination name (the names catalog entries list: "trail",
    "queue", "siem", "alert", ...), as each destination module exports it (its `destination` output):
    the target `arn`, an optional `role_arn` EventBridge assumes, an optional `input_transformer`, and
    optional `rule_input_transformers` keyed by rule key, for a destination that needs each rule's
    context (the alert function): such a destination takes only the rules listed there. Every target
    gets the retry policy and this module's dead-letter queue. Destinations a rule lists but that are
    not given here are skipped. The destination's own resource policy (queue policy, logs resource
    policy, role trust, Lambda permission) must name the rules routed to it.
  EOT
  type = map(object({
    arn      = string
    role_arn = optional(string)
    input_transformer = optional(object({
      input_paths    = optional(map(string), {})
      input_template = string
    }))
    rule_input_transformers = optional(map(object({
      input_paths    = optional(map(string), {})
      input_template = string
    })))
  }))
  default = {}
}

variable "event_pattern_max_length" {
  description = "EventBridge's event-pattern quota in characters (2,048 by default; AWS Service Quotas can raise it to 4,096). A rendered pattern over it is refused at plan time, naming the rule."
  type        = number
  default     = 2048

  validation {
    condition     = var.event_pattern_max_length >= 2048 && var.event_pattern_max_length <= 4096
    error_message = "event_pattern_max_length must be 2048-4096 (the default EventBridge quota and its adjustable maximum); got ${var.event_pattern_max_length}."
  }
}

variable "threshold_rules" {
  description = "Create the catalog's threshold (burst) rules: true when the threshold path (its \"threshold\" destination) is on; without it they would be rules with no target."
  type        = bool
  default     = false
}

variable "exact_source_arns_max_bytes" {
  description = "Largest list of exact rule ARNs (bytes of compact JSON) a queue policy names; past it the policy names every rule of this pipeline (ArnLike on the bus and the name prefix). The default leaves 1,024 of SQS's 8,192 policy bytes for the rest of the policy."
  type        = number
  default     = 7168

  validation {
    condition     = var.exact_source_arns_max_bytes >= 0 && var.exact_source_arns_max_bytes <= 7424
    error_message = "exact_source_arns_max_bytes must be 0-7424 (SQS allows 8,192 bytes per policy, and the rest of the policy needs room); got ${var.exact_source_arns_max_bytes}."
  }
}

variable "retry_policy" {
  description = "Retry policy of every target (EventBridge allows up to 185 attempts and 24 h)."
  type = object({
    maximum_retry_attempts       = optional(number, 185)
    maximum_event_age_in_seconds = optional(number, 3600)
  })
  default = {}

  validation {
    condition     = var.retry_policy.maximum_retry_attempts >= 0 && var.retry_policy.maximum_retry_attempts <= 185
    error_message = "retry_policy.maximum_retry_attempts must be 0-185."
  }

  validation {
    condition     = var.retry_policy.maximum_event_age_in_seconds >= 60 && var.retry_policy.maximum_event_age_in_seconds <= 86400
    error_message = "retry_policy.maximum_event_age_in_seconds must be 60-86400."
  }
}

variable "dlq_kms_key_arn" {
  description = "KMS key of the targets' dead-letter queue (its policy must let events.amazonaws.com use it). null: SQS-managed encryption (the root module always passes the pipeline key)."
  type        = string
  default     = null
}

variable "runbook_base_url" {
  description = "Base URL that relative runbook links of the catalog (docs/runbooks.md#<key>) are resolved against."
  type        = string
  default     = "https://github.com/your-org/genesys-audit-eventbridge/blob/main/"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
