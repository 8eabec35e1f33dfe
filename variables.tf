variable "create" {
  description = "Create the pipeline. false creates nothing and outputs nulls (tests/terraform/fixtures/disabled_root proves it)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "genesys-audit"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,29}$", var.name))
    error_message = "name must be 1-30 lower-case letters, digits or '-', starting with a letter or digit (it prefixes rule, queue, role, function and alarm names); got \"${var.name}\"."
  }

  # One length rule for every name derived from `name` (see local.derived_names), so that no module
  # refuses a name the caller never typed.
  validation {
    condition     = alltrue([for n in local.derived_names : length(var.name) + length(n.suffix) <= n.limit])
    error_message = "name \"${var.name}\" (${length(var.name)} characters) is too long for the names derived from it: ${join("; ", [for n in local.derived_names : "${n.what} \"${var.name}${n.suffix}\" would be ${length(var.name) + length(n.suffix)} characters, over its AWS limit of ${n.limit}" if length(var.name) + length(n.suffix) > n.limit])}. Use a name of at most ${min([for n in local.derived_names : n.limit - length(n.suffix)]...)} characters${var.siem.enabled && var.siem.backup_bucket_name == null ? ", or give siem.backup_bucket_name" : ""}."
  }
}

variable "region" {
  description = "The AWS region of this pipeline: every regional resource takes it (AWS provider v6 per-resource region), so one provider can serve several regions."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as \"eu-central-1\"; got \"${var.region}\"."
  }
}

variable "data_residency" {
  description = "The boundary the region must lie in: EU (member-state regions), UK, CH, EUROPE (every eu-*), US, US_GOV, CA, AU, JP, IN, BR, or ANY. The regions of each are in residency.json."
  type        = string
  default     = "ANY"

  validation {
    condition     = var.data_residency == "ANY" || contains(keys(local.residency.aws_regions), var.data_residency)
    error_message = "data_residency must be one of ${join(", ", keys(local.residency.aws_regions))}, ANY; got \"${var.data_residency}\"."
  }

  validation {
    condition     = var.data_residency == "ANY" || contains(lookup(local.residency.aws_regions, var.data_residency, []), var.region)
    error_message = "data_residency = \"${var.data_residency}\" does not allow region \"${var.region}\": audit events (user ids, IPs, recording ids) would leave the boundary. Choose a region inside it (${var.data_residency}: ${join(", ", lookup(local.residency.aws_regions, var.data_residency, []))}) or set data_residency = \"ANY\"."
  }
}

variable "bus_type" {
  description = "\"partner\": the Genesys partner event source bus. \"custom\": a custom bus for webhook ingestion."
  type        = string
  default     = "partner"

  validation {
    condition     = contains(["partner", "custom"], var.bus_type)
    error_message = "bus_type must be \"partner\" (the Genesys partner event source) or \"custom\" (a custom bus fed by the webhook and the backfill); got \"${var.bus_type}\"."
  }
}

variable "genesys_org_id" {
  description = "Genesys Cloud organization id (UUID); with event_source_suffix it names the partner source aws.partner/genesys.com/cloud/<org>/<suffix>."
  type        = string
  default     = null
}

variable "event_source_suffix" {
  description = "Event source suffix configured in the Genesys EventBridge integration of this region."
  type        = string
  default     = null
}

variable "partner_event_source_name" {
  description = "The full partner source name, instead of genesys_org_id + event_source_suffix."
  type        = string
  default     = null
}

variable "custom_bus_name" {
  description = "Name of the custom bus when bus_type = \"custom\"."
  type        = string
  default     = "genesys-audit"
}

variable "bus_put_principal_arns" {
  description = "With bus_type = \"custom\": IAM principals (role or user ARNs) besides the webhook ingestion and backfill roles that may put events on the bus. The bus policy denies events:PutEvents to everyone else, so no principal with a broad PutEvents grant can forge audit events that skip the webhook's signature check."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.bus_put_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[A-Za-z-]+/.+$", a))])
    error_message = "bus_put_principal_arns must hold IAM role or user ARNs such as arn:aws:iam::123456789012:role/replayer; got ${jsonencode(var.bus_put_principal_arns)}."
  }
}

variable "custom_event_source" {
  description = "With bus_type = \"custom\": the `source` of the events the webhook ingestion and the backfill put on the custom bus (the rules on it accept this source)."
  type        = string
  default     = "genesys.audit.webhook"
}

variable "lookup_partner_event_source" {
  description = "Look the partner source up before creating the bus (second step of the two-step apply)."
  type        = bool
  default     = false
}

variable "archive" {
  description = "EventBridge archive of the bus for replay. prevent_destroy (default true): Terraform refuses any plan that deletes it (see the README to remove it deliberately)."
  type = object({
    enabled         = optional(bool, true)
    retention_days  = optional(number, 365)
    prevent_destroy = optional(bool, true)
  })
  default = {}
}

variable "kms_key_arn" {
  description = "The one customer managed KMS key of every path: bus, archive, trail, queues, ops and alert topics, idempotency and replay tables, Splunk stream and backup, function logs and environments. A key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias; a key you bring must allow what the created key's policy allows. null: the module creates one (rotation on, scoped to those services and roles)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[0-9a-f-]{32,36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, not an alias or a key id: CloudWatch Logs encryption and the IAM grants need the key ARN. Got \"${coalesce(var.kms_key_arn, "null")}\"; find it with `aws kms describe-key --key-id alias/<name> --query KeyMetadata.Arn`."
  }
}

variable "catalog" {
  description = "Catalog choices: disabled keys, severity and destinations overrides, domains to keep (see modules/audit-rules)."
  type = object({
    disabled     = optional(list(string), [])
    severity     = optional(map(string), {})
    destinations = optional(map(list(string)), {})
    domains      = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = length(setsubtract(var.catalog.disabled, local.catalog_keys)) == 0
    error_message = "catalog.disabled names rules the catalog does not have: ${jsonencode(sort(setsubtract(var.catalog.disabled, local.catalog_keys)))}; the catalog's rule keys are ${join(", ", sort(local.catalog_keys))}."
  }

  validation {
    condition     = length(setsubtract(keys(var.catalog.severity), local.catalog_keys)) == 0
    error_message = "catalog.severity has keys that are not catalog rules: ${jsonencode(sort(setsubtract(keys(var.catalog.severity), local.catalog_keys)))}; the catalog's rule keys are ${join(", ", sort(local.catalog_keys))} (set a custom rule's severity in custom_rules)."
  }

  validation {
    condition     = length(setsubtract(keys(var.catalog.destinations), local.catalog_keys)) == 0
    error_message = "catalog.destinations has keys that are not catalog rules: ${jsonencode(sort(setsubtract(keys(var.catalog.destinations), local.catalog_keys)))}; the catalog's rule keys are ${join(", ", sort(local.catalog_keys))} (route a custom rule with custom_rules[*].destinations)."
  }

  validation {
    condition     = length(setsubtract(flatten(values(var.catalog.destinations)), local.destination_names)) == 0
    error_message = "catalog.destinations routes to destinations this pipeline does not have: ${jsonencode(sort(setsubtract(flatten(values(var.catalog.destinations)), local.destination_names)))}; its destinations are ${jsonencode(sort(local.destination_names))} (switch a path on with its `enabled`, or add the destination to `destinations`)."
  }
}

variable "custom_rules" {
  description = "Extra rules with a raw event pattern (see modules/audit-rules)."
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
    condition     = length(setsubtract(flatten([for r in values(var.custom_rules) : r.destinations]), local.destination_names)) == 0
    error_message = "custom_rules route to destinations this pipeline does not have: ${jsonencode(sort(setsubtract(flatten([for r in values(var.custom_rules) : r.destinations]), local.destination_names)))}; its destinations are ${jsonencode(sort(local.destination_names))} (switch a path on with its `enabled`, or add the destination to `destinations`)."
  }
}

variable "exclusions" {
  description = "Automation OAuth client ids, trusted user ids and trusted IPv4 CIDRs compiled into every catalog pattern."
  type = object({
    client_ids    = optional(list(string), [])
    user_ids      = optional(list(string), [])
    trusted_cidrs = optional(list(string), [])
  })
  default = {}
}

variable "event_pattern_max_length" {
  description = "EventBridge's event-pattern quota in characters: 2,048 unless raised with AWS Service Quotas (up to 4,096). A rule whose rendered pattern (exclusions included) is longer is refused at plan time, naming the rule and its length."
  type        = number
  default     = 2048
}

variable "trail" {
  description = "The immutable trail: a CloudWatch log group fed by the catch-all rule. deletion_protection (default true): CloudWatch Logs refuses to delete it until turned off (see the README to remove it deliberately)."
  type = object({
    enabled              = optional(bool, true)
    retention_in_days    = optional(number, 400)
    exclude_entity_types = optional(list(string), ["UserPresence"])
    apply_exclusions     = optional(bool, false)
    deletion_protection  = optional(bool, true)
  })
  default = {}
}

variable "queue" {
  description = "An SQS queue (+ DLQ) receiving the detections whose destinations include \"queue\"."
  type = object({
    enabled                    = optional(bool, true)
    max_receive_count          = optional(number, 5)
    visibility_timeout_seconds = optional(number, 180)
  })
  default = {}
}

variable "destinations" {
  description = "Extra destinations for audit-rules, keyed by name (e.g. \"siem\" from modules/splunk-firehose `eventbridge_target`)."
  type = map(object({
    arn      = string
    role_arn = optional(string)
    input_transformer = optional(object({
      input_paths    = map(string)
      input_template = string
    }))
  }))
  default = {}
}

variable "retry_policy" {
  description = "Retry policy of every target."
  type = object({
    maximum_retry_attempts       = optional(number, 185)
    maximum_event_age_in_seconds = optional(number, 3600)
  })
  default = {}
}

variable "monitoring" {
  description = "Alarms: FailedInvocations per rule, DLQ depth, pipeline silence; to an ops topic (created unless ops_topic_arn is given)."
  type = object({
    enabled                 = optional(bool, true)
    silence_hours           = optional(number, 6)
    ops_topic_arn           = optional(string)
    ops_email_subscriptions = optional(list(string), [])
  })
  default = {}
}

variable "lambda" {
  description = "Settings of every function the pipeline deploys (alert, consumer, webhook ingestion, backfill): the architecture and the Powertools layer, the AWS-published public layer of powertools_layer_version or, outside the commercial partition, the copy given as powertools_layer_arn."
  type = object({
    architecture             = optional(string, "x86_64")
    powertools_layer_version = optional(number, 27)
    powertools_layer_arn     = optional(string)
  })
  default = {}

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda.architecture)
    error_message = "lambda.architecture must be \"x86_64\" or \"arm64\"; got \"${var.lambda.architecture}\"."
  }
}

variable "reserved_concurrency" {
  description = <<-EOT
    Concurrency reserved for the alert, webhook ingestion and backfill functions (5, 10 and 1): alerts
    never queue behind other workloads, ingestion is capped and guaranteed, backfill runs never overlap.
    Lambda refuses a reservation that would leave fewer than 10 unreserved executions in the account,
    so on an account with a low concurrency quota (new accounts start at 10) set the ones you cannot
    afford to null: that function then runs on the unreserved pool.
  EOT
  type = object({
    alert     = number
    ingestion = number
    backfill  = number
  })
  default = { alert = 5, ingestion = 10, backfill = 1 }
}

variable "runbook_base_url" {
  description = "Base URL that the catalog's relative runbook links are resolved against."
  type        = string
  default     = "https://github.com/your-org/genesys-audit-eventbridge/blob/main/"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "alerting" {
  description = "The alert path (modules/alerting): rules whose destinations include \"alert\" invoke the alert Lambda, which publishes to SNS and to optional Slack, Teams and PagerDuty (URLs and keys in Secrets Manager)."
  type = object({
    enabled              = optional(bool, false)
    email_subscriptions  = optional(list(string), [])
    https_subscriptions  = optional(list(string), [])
    slack_secret_arn     = optional(string)
    teams_secret_arn     = optional(string)
    pagerduty_secret_arn = optional(string)
    secrets_kms_key_arns = optional(list(string), [])
    skip_replays         = optional(bool, false)
    enrichment           = optional(object({ enabled = optional(bool, false), credentials_secret_arn = optional(string), credentials_kms_key_arn = optional(string), genesys_region = optional(string), budget_ms = optional(number, 1500) }), {})
  })
  default = {}

  validation {
    condition     = !var.alerting.enrichment.enabled || var.data_residency == "ANY" || contains(lookup(local.residency.genesys_regions, var.data_residency, []), coalesce(var.alerting.enrichment.genesys_region, "-"))
    error_message = "data_residency = \"${var.data_residency}\" does not allow Genesys region \"${coalesce(var.alerting.enrichment.genesys_region, "-")}\" for alerting.enrichment: names would be read from outside the boundary. Use an org in a Genesys region inside it (${join(", ", lookup(local.residency.genesys_regions, var.data_residency, []))}), set alerting.enrichment.enabled = false, or set data_residency = \"ANY\"."
  }
}

variable "threshold" {
  description = "The threshold (burst) path (modules/threshold-alerts): catalog rules with a `threshold` and the \"threshold\" destination invoke a counting Lambda over DynamoDB, which publishes one alert per window and group to the alert topic (needs alerting.enabled)."
  type = object({
    enabled                        = optional(bool, false)
    claim_seconds                  = optional(number, 120)
    reserved_concurrent_executions = optional(number)
  })
  default = {}

  validation {
    condition     = !var.threshold.enabled || var.alerting.enabled
    error_message = "threshold.enabled = true publishes to the alert topic, but alerting.enabled is false: set alerting = { enabled = true, ... } too, or threshold.enabled = false."
  }
}

variable "siem" {
  description = "The SIEM path (modules/splunk-firehose): the trail rule's events to Splunk HEC through Firehose; the HEC token stays in Secrets Manager."
  type = object({
    enabled                      = optional(bool, false)
    hec_endpoint                 = optional(string)
    hec_endpoint_type            = optional(string, "Event")
    hec_token_secret_arn         = optional(string)
    hec_token_secret_kms_key_arn = optional(string)
    backup_bucket_name           = optional(string)
  })
  default = {}

  validation {
    condition     = !var.siem.enabled || (var.siem.hec_endpoint != null && var.siem.hec_token_secret_arn != null)
    error_message = "siem.enabled needs siem.hec_endpoint (https://...) and siem.hec_token_secret_arn (a Secrets Manager secret {\"hec_token\": ...})."
  }
}

variable "consumer" {
  description = "The idempotent queue consumer (modules/queue-consumer) of the detections queue."
  type = object({
    enabled            = optional(bool, false)
    watched_properties = optional(list(string), ["divisionId", "scopes", "secret", "permissionPolicies"])
    finding_sink       = optional(string, "log")
    enrichment         = optional(object({ enabled = optional(bool, false), credentials_secret_arn = optional(string), credentials_kms_key_arn = optional(string), genesys_region = optional(string), budget_ms = optional(number, 1500) }), {})
  })
  default = {}

  validation {
    condition     = !var.consumer.enrichment.enabled || var.data_residency == "ANY" || contains(lookup(local.residency.genesys_regions, var.data_residency, []), coalesce(var.consumer.enrichment.genesys_region, "-"))
    error_message = "data_residency = \"${var.data_residency}\" does not allow Genesys region \"${coalesce(var.consumer.enrichment.genesys_region, "-")}\" for consumer.enrichment: names would be read from outside the boundary. Use an org in a Genesys region inside it (${join(", ", lookup(local.residency.genesys_regions, var.data_residency, []))}), set consumer.enrichment.enabled = false, or set data_residency = \"ANY\"."
  }
}

variable "webhook" {
  description = "Webhook ingestion (modules/webhook-ingestion) onto the custom bus (bus_type = \"custom\"): API Gateway HTTP API + ingestion Lambda verifying an HMAC signature with a secret from Secrets Manager."
  type = object({
    enabled                    = optional(bool, false)
    webhook_secret_arn         = optional(string)
    webhook_secret_kms_key_arn = optional(string)
    signature_header           = optional(string, "X-Hub-Signature-256")
    signature_timestamp_header = optional(string, "X-Signature-Timestamp")
    throttling_rate_limit      = optional(number, 50)
    throttling_burst_limit     = optional(number, 100)
  })
  default = {}

  validation {
    condition     = !var.webhook.enabled || var.webhook.webhook_secret_arn != null
    error_message = "webhook.enabled needs webhook.webhook_secret_arn: the HMAC secret lives in Secrets Manager, never in a variable."
  }
}

variable "backfill" {
  description = "Scheduled backfill (modules/genesys-backfill) onto the custom bus (bus_type = \"custom\"): each run reads the last lookback_hours from the Genesys audit API and puts what the trail is missing; an alarm tells the ops topic when it filled a hole. Needs an OAuth client (client credentials, audits:audit:view) in Secrets Manager and a layer with the Genesys SDK."
  type = object({
    enabled                 = optional(bool, false)
    genesys_region          = optional(string)
    credentials_secret_arn  = optional(string)
    credentials_kms_key_arn = optional(string)
    sdk_layer_arn           = optional(string)
    schedule_expression     = optional(string, "rate(1 hour)")
    lookback_hours          = optional(number, 24)
    service_names           = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = !var.backfill.enabled || (var.backfill.genesys_region != null && var.backfill.credentials_secret_arn != null && var.backfill.sdk_layer_arn != null)
    error_message = "backfill.enabled needs backfill.genesys_region (e.g. \"mypurecloud.ie\"), backfill.credentials_secret_arn (a Secrets Manager secret {\"client_id\", \"client_secret\"}) and backfill.sdk_layer_arn (a layer with purecloudplatformclientv2)."
  }

  validation {
    condition     = !var.backfill.enabled || var.bus_type == "custom"
    error_message = "backfill.enabled needs bus_type = \"custom\": only a custom bus takes PutEvents, and the partner bus's rules match only the partner source. See \"Backfill and gap detection\" in the README for partner deployments."
  }

  validation {
    condition     = !var.backfill.enabled || var.data_residency == "ANY" || contains(lookup(local.residency.genesys_regions, var.data_residency, []), coalesce(var.backfill.genesys_region, "-"))
    error_message = "data_residency = \"${var.data_residency}\" does not allow Genesys region \"${coalesce(var.backfill.genesys_region, "-")}\": the backfill would read the audit records from outside the boundary. Use an org in a Genesys region inside it (${join(", ", lookup(local.residency.genesys_regions, var.data_residency, []))}), or set data_residency = \"ANY\"."
  }
}

variable "query_definitions" {
  description = "CloudWatch Logs Insights hunting queries (modules/hunting): one saved query per catalog rule over the trail log group, generated from the catalog. Needs the trail."
  type = object({
    enabled = optional(bool, false)
  })
  default = {}

  validation {
    condition     = !var.query_definitions.enabled || var.trail.enabled
    error_message = "query_definitions.enabled = true needs the trail (trail.enabled = true, got false): the queries run over the trail log group."
  }
}

variable "dashboard" {
  description = "A CloudWatch dashboard of the pipeline (modules/hunting): events in, matches per rule, alerts sent, failed invocations, dead-letter queue depth, silence."
  type = object({
    enabled = optional(bool, false)
  })
  default = {}
}
