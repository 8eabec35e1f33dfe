variable "create" {
  description = "Whether the function exists (false: no environment, no statements)."
  type        = bool
  default     = true
}

variable "enrichment" {
  description = "Names for the ids in each alert or finding (acting user and OAuth client, entity, divisions, roles), read from the Genesys Cloud API within budget_ms; on timeout, throttling or refusal it goes out with ids and a \"names unavailable\" note. Needs a client-credentials OAuth client with the read-only permissions listed in the README (\"Enrichment\"), as {\"client_id\", \"client_secret\"} in Secrets Manager (credentials_kms_key_arn: its customer managed key, if any)."
  type = object({
    enabled                 = optional(bool, false)
    credentials_secret_arn  = optional(string)
    credentials_kms_key_arn = optional(string)
    genesys_region          = optional(string)
    budget_ms               = optional(number, 1500)
  })
  default  = {}
  nullable = false

  validation {
    condition     = !var.enrichment.enabled || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", coalesce(var.enrichment.credentials_secret_arn, "-")))
    error_message = "enrichment.enabled needs enrichment.credentials_secret_arn, a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-audit/enrichment-AbCdEf; got \"${coalesce(var.enrichment.credentials_secret_arn, "null")}\"."
  }

  validation {
    condition     = !var.enrichment.enabled || contains(local.residency.genesys_domains, coalesce(var.enrichment.genesys_region, "-"))
    error_message = "enrichment.genesys_region must be a Genesys Cloud region domain such as \"mypurecloud.ie\" (login.mypurecloud.ie): ${join(", ", local.residency.genesys_domains)}; got \"${coalesce(var.enrichment.genesys_region, "null")}\"."
  }

  validation {
    condition     = var.enrichment.budget_ms >= 100 && var.enrichment.budget_ms <= 10000 && floor(var.enrichment.budget_ms) == var.enrichment.budget_ms
    error_message = "enrichment.budget_ms must be a whole number of milliseconds from 100 to 10000 (the time one alert or finding may wait for names); got ${var.enrichment.budget_ms}."
  }
}

variable "region" {
  description = "AWS region of the function (the Secrets Manager endpoint its key is used through)."
  type        = string
}
