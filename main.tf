# One regional pipeline: Genesys partner (or custom) bus -> catalog rules with exclusions ->
# trail, queue and extra destinations (SIEM, alert) -> alarms on every failure path.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  residency  = jsondecode(file("${path.module}/residency.json"))
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  create_key = var.create && var.kms_key_arn == null
  key_arn    = local.create_key ? module.kms.key_arn : var.kms_key_arn
  trail_name = "/aws/events/${var.name}"
  logs_arn   = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:" # + a log group name
  trail_arn  = "${local.logs_arn}${local.trail_name}"
  queue_name = "${var.name}-detections"
  bus_name   = module.bus.bus_name
  # The bus the webhook and the backfill put on (only with bus_type = "custom"; their modules refuse a partner bus).
  put_bus_name = var.bus_type == "custom" ? coalesce(local.bus_name, var.custom_bus_name) : var.custom_bus_name
  rule_sources = var.bus_type == "partner" ? compact([module.bus.partner_event_source_name]) : [var.custom_event_source]

  # Functions whose log groups the pipeline key encrypts: its policy names each log group (a cycle-free
  # copy of the names the modules are given below).
  consumer_name    = "${var.name}-consumer"
  backfill_name    = "${var.name}-backfill"
  alert_name       = "${var.name}-alert"
  siem_name        = "${var.name}-splunk"
  webhook_name     = "${var.name}-webhook"
  threshold_name   = "${var.name}-threshold"
  create_consumer  = var.create && var.consumer.enabled && var.queue.enabled
  create_backfill  = var.create && var.backfill.enabled
  create_alerting  = var.create && var.alerting.enabled
  create_siem      = var.create && var.siem.enabled
  create_webhook   = var.create && var.webhook.enabled && var.bus_type == "custom"
  create_threshold = var.create && var.threshold.enabled && var.alerting.enabled
  key_functions = concat(
    local.create_consumer ? [local.consumer_name] : [],
    local.create_backfill ? [local.backfill_name] : [],
    local.create_alerting ? [local.alert_name] : [],
    local.create_webhook ? [local.webhook_name] : [],
    local.create_threshold ? [local.threshold_name] : [],
  )
  log_group_arns = concat(
    [local.trail_arn],
    [for f in local.key_functions : "${local.logs_arn}/aws/lambda/${f}"],
    local.create_webhook ? ["${local.logs_arn}/aws/apigateway/${local.webhook_name}"] : [],
    local.create_siem ? ["${local.logs_arn}/aws/kinesisfirehose/${local.siem_name}"] : [],
  )
  # The Splunk backup bucket (its name as modules/splunk-firehose derives it), whose objects the Firehose role encrypts.
  siem_bucket_arn = "arn:${local.partition}:s3:::${coalesce(var.siem.backup_bucket_name, "${local.siem_name}-backup-${local.account_id}-${var.region}")}"

  # Rules are derived once (modules/audit-rules: names, ARNs built from the bus and rule names, so known
  # at plan time without referencing the rule resources) and each destination is handed only the ARNs
  # of the rules routed to it: its resource policy (role trust, logs resource policy, queue policy,
  # Lambda permissions) names exactly those. The targets, made in modules/audit-rules from the
  # destinations' exports, reference the rule resources, which orders PutTargets after PutRule.
  rules        = module.rules.rules
  rule_arns_to = { for d in ["trail", "queue", "siem"] : d => sort([for k, r in local.rules : r.arn if contains(r.destinations, d)]) }
  # The alert function takes the rules that carry a severity (the trail rule has none).
  alert_rules = { for k, r in local.rules : k => {
    rule_arn    = r.arn
    severity    = r.severity
    title       = r.title
    runbook_url = r.runbook_url
  } if contains(r.destinations, "alert") && r.severity != null }
  # The threshold function takes the catalog rules that carry a threshold and the "threshold" destination.
  thresholds = { for r in jsondecode(file("${path.module}/modules/audit-rules/catalog.json")).rules : r.key => r.threshold if try(r.threshold, null) != null }
  threshold_rules = { for k, r in local.rules : k => {
    rule_arn    = r.arn
    severity    = r.severity
    title       = r.title
    runbook_url = r.runbook_url
    threshold   = local.thresholds[k]
  } if contains(r.destinations, "threshold") && contains(keys(local.thresholds), k) && r.severity != null }

  destinations = merge(
    { for k, v in { trail = module.trail.destination } : k => v if v != null },
    { for k, v in { queue = module.queue.destination } : k => v if v != null },
    { for k, v in { siem = module.siem.eventbridge_target } : k => v if v != null },
    { for k, v in { alert = module.alerting.destination } : k => v if v != null },
    { for k, v in { threshold = module.threshold.destination } : k => v if v != null },
    var.destinations,
  )
  tags = merge({ "genesys-audit:pipeline" = var.name }, var.tags)

  # Every name derived from `name` (`name` followed by `suffix`), with the AWS limit it must fit: the
  # `name` validation checks them all, for the paths that are on. Rule keys: the catalog's, the custom rules' and the trail rule's.
  catalog_keys = [for r in jsondecode(file("${path.module}/modules/audit-rules/catalog.json")).rules : r.key]
  rule_keys    = concat(local.catalog_keys, keys(var.custom_rules), ["all-audits"])
  # The destinations a rule may name (the `catalog` and `custom_rules` validations check them): the paths that are on, and the extra ones.
  destination_names = concat(
    [for d, on in { trail = var.trail.enabled, queue = var.queue.enabled, siem = var.siem.enabled, alert = var.alerting.enabled } : d if on],
    keys(var.destinations),
  )
  longest_rule = [for k in local.rule_keys : k if length(k) == max([for k in local.rule_keys : length(k)]...)][0]
  derived_names = concat(
    [
      { what = "the EventBridge rule name", suffix = "-${local.longest_rule}", limit = 64 },
      { what = "the targets' dead-letter queue name", suffix = "-targets-dlq", limit = 80 },
      { what = "the bus's dead-letter queue name", suffix = "-bus-dlq", limit = 80 },
      { what = "the detections dead-letter queue name", suffix = "-detections-dlq", limit = 80 },
    ],
    var.alerting.enabled ? [
      { what = "the alert function's role name", suffix = "-alert-${var.region}", limit = 64 },
      { what = "the alert dead-letter queue name", suffix = "-alert-dlq", limit = 80 },
    ] : [],
    var.threshold.enabled ? [
      { what = "the threshold function's role name", suffix = "-threshold-${var.region}", limit = 64 },
      { what = "the threshold dead-letter queue name", suffix = "-threshold-dlq", limit = 80 },
    ] : [],
    var.consumer.enabled ? [{ what = "the consumer function's role name", suffix = "-consumer-${var.region}", limit = 64 }] : [],
    var.webhook.enabled ? [{ what = "the webhook function's role name", suffix = "-webhook-${var.region}", limit = 64 }] : [],
    var.backfill.enabled ? [{ what = "the backfill function's role name", suffix = "-backfill-${var.region}", limit = 64 }] : [],
    var.siem.enabled ? [
      { what = "the Firehose stream name", suffix = "-splunk", limit = 64 },
      { what = "the Firehose role name", suffix = "-splunk-firehose-${var.region}", limit = 64 },
      { what = "the EventBridge-to-Firehose role name", suffix = "-splunk-events-${var.region}", limit = 64 },
    ] : [],
    # The backup bucket carries the 12-digit account id: S3 bucket names are at most 63 characters.
    var.siem.enabled && var.siem.backup_bucket_name == null ? [
      { what = "the Splunk backup bucket name", suffix = "-splunk-backup-000000000000-${var.region}", limit = 63 },
    ] : [],
  )
}

data "aws_iam_policy_document" "key" {
  count = local.create_key ? 1 : 0

  # kms:ReEncrypt* is what the archive needs besides GenerateDataKey/Decrypt/DescribeKey (AWS,
  # "Encrypting EventBridge archives with AWS KMS keys", key policy for archives:
  # https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html); without it
  # archiving and replay, the README's recovery path, fail.
  statement {
    sid       = "EventBridgeEncryptsBusArchiveAndQueueMessages"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # The alert function's topic, dead-letter queue and idempotency table, through those services only.
  # The role's ARN comes from the role resource: KMS refuses a key policy naming a role that does not exist yet.
  dynamic "statement" {
    for_each = local.create_alerting ? [module.alerting.role_arn] : []
    content {
      sid       = "AlertFunctionUsesKeyThroughItsServices"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${var.region}.amazonaws.com", "sqs.${var.region}.amazonaws.com", "dynamodb.${var.region}.amazonaws.com"]
      }
    }
  }

  # Firehose writes failed Splunk batches to its backup bucket, encrypted with this key.
  dynamic "statement" {
    for_each = local.create_siem ? [module.siem.firehose_role_arn] : []
    content {
      sid       = "FirehoseRoleWritesBackupsThroughS3"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region}.amazonaws.com"]
      }
      condition {
        test     = "StringLike"
        variable = "kms:EncryptionContext:aws:s3:arn"
        values   = [local.siem_bucket_arn, "${local.siem_bucket_arn}/*"]
      }
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToTheOpsTopic"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

module "kms" {
  source = "./modules/kms-key"

  create         = local.create_key
  name           = var.name
  region         = var.region
  account_id     = local.account_id
  partition      = local.partition
  description    = "${var.name} Genesys audit pipeline (${var.region})"
  log_group_arns = local.log_group_arns
  policy_json    = try(data.aws_iam_policy_document.key[0].json, null)
  tags           = local.tags
}

# A custom bus takes PutEvents from our ingestion and backfill roles (and the principals the caller
# lists) only: anyone else allowed events:PutEvents on "*" could forge audit events that never passed
# the webhook's signature check. Role ARNs are built from the names the modules are given.
locals {
  put_principals = concat(
    var.webhook.enabled ? ["arn:${local.partition}:iam::${local.account_id}:role/${var.name}-webhook-${var.region}"] : [],
    local.create_backfill ? ["arn:${local.partition}:iam::${local.account_id}:role/${local.backfill_name}-${var.region}"] : [],
    var.bus_put_principal_arns,
  )
  bus_policy_statements = var.bus_type != "custom" ? [] : [{
    sid        = "OnlyOurWritersPutEvents"
    effect     = "Deny"
    actions    = ["events:PutEvents"]
    principals = [{ type = "*", identifiers = ["*"] }]
    conditions = length(local.put_principals) == 0 ? [] : [{ test = "ArnNotEquals", variable = "aws:PrincipalArn", values = local.put_principals }]
  }]
}

module "bus" {
  source = "./modules/event-bus"

  create                      = var.create
  name                        = var.name
  region                      = var.region
  account_id                  = local.account_id
  partition                   = local.partition
  type                        = var.bus_type
  genesys_org_id              = var.genesys_org_id
  event_source_suffix         = var.event_source_suffix
  partner_event_source_name   = var.partner_event_source_name
  custom_bus_name             = var.custom_bus_name
  lookup_partner_event_source = var.lookup_partner_event_source
  kms_key_arn                 = local.key_arn
  archive                     = var.archive
  policy_statements           = local.bus_policy_statements
  tags                        = local.tags
}

module "rules" {
  source = "./modules/audit-rules"

  create                   = var.create
  name                     = var.name
  region                   = var.region
  account_id               = local.account_id
  partition                = local.partition
  threshold_rules          = local.create_threshold
  event_bus_name           = local.bus_name
  sources                  = local.rule_sources
  catalog                  = var.catalog
  custom_rules             = var.custom_rules
  exclusions               = var.exclusions
  event_pattern_max_length = var.event_pattern_max_length
  trail_rule               = { enabled = var.trail.enabled, exclude_entity_types = var.trail.exclude_entity_types, apply_exclusions = var.trail.apply_exclusions }
  destinations             = local.destinations
  dlq_kms_key_arn          = local.key_arn
  retry_policy             = var.retry_policy
  runbook_base_url         = var.runbook_base_url
  tags                     = local.tags
}

module "trail" {
  source = "./modules/log-trail"

  create              = var.create && var.trail.enabled
  name                = local.trail_name
  region              = var.region
  account_id          = local.account_id
  partition           = local.partition
  retention_in_days   = var.trail.retention_in_days
  deletion_protection = var.trail.deletion_protection
  kms_key_arn         = local.key_arn
  source_rule_arns    = local.rule_arns_to.trail
  tags                = local.tags
}

module "queue" {
  source = "./modules/sqs-target"

  create                     = var.create && var.queue.enabled
  name                       = local.queue_name
  region                     = var.region
  account_id                 = local.account_id
  partition                  = local.partition
  kms_key_arn                = local.key_arn
  source_rule_arns           = local.rule_arns_to.queue
  source_rule_arn_pattern    = module.rules.rule_arn_pattern
  max_receive_count          = var.queue.max_receive_count
  visibility_timeout_seconds = var.queue.visibility_timeout_seconds
  tags                       = local.tags
}

# Every dead-letter queue of the pipeline: each alarms as soon as one message is in it, and the dashboard shows them.
locals {
  dead_letter_queue_names = compact([module.bus.dlq_name, module.rules.dlq_name, module.queue.dlq_name, module.alerting.dlq_name, module.threshold.dlq_name])
}

module "monitoring" {
  source = "./modules/monitoring"

  create                  = var.create && var.monitoring.enabled
  name                    = var.name
  region                  = var.region
  account_id              = local.account_id
  partition               = local.partition
  event_bus_name          = local.bus_name
  rule_names              = module.rules.targeted_rule_names
  dead_letter_queue_names = local.dead_letter_queue_names
  silence                 = { enabled = var.trail.enabled, rule_name = module.rules.trail_rule_name, hours = var.monitoring.silence_hours }
  ops_topic_arn           = var.monitoring.ops_topic_arn
  kms_key_arn             = local.key_arn
  ops_email_subscriptions = var.monitoring.ops_email_subscriptions
  tags                    = local.tags
}

# -- the paths switched on one by one: alert, SIEM, queue consumer, webhook ingestion, backfill ---------------------

module "alerting" {
  source = "./modules/alerting"

  create               = local.create_alerting
  name                 = local.alert_name
  region               = var.region
  account_id           = local.account_id
  partition            = local.partition
  rules                = local.alert_rules
  rule_arn_pattern     = module.rules.rule_arn_pattern
  email_subscriptions  = var.alerting.email_subscriptions
  https_subscriptions  = var.alerting.https_subscriptions
  slack_secret_arn     = var.alerting.slack_secret_arn
  teams_secret_arn     = var.alerting.teams_secret_arn
  pagerduty_secret_arn = var.alerting.pagerduty_secret_arn
  enrichment           = var.alerting.enrichment
  secrets_kms_key_arns = var.alerting.secrets_kms_key_arns
  skip_replays         = var.alerting.skip_replays

  reserved_concurrent_executions = var.reserved_concurrency.alert
  package                        = var.lambda
  ops_topic_arn                  = module.monitoring.ops_topic_arn
  kms_key_arn                    = local.key_arn
  create_kms_key                 = false
  tags                           = local.tags
}

module "threshold" {
  source = "./modules/threshold-alerts"

  create                         = local.create_threshold
  name                           = local.threshold_name
  region                         = var.region
  account_id                     = local.account_id
  partition                      = local.partition
  rules                          = local.threshold_rules
  alert_topic_arn                = module.alerting.topic_arn
  alert_topic_kms_key_arn        = module.alerting.kms_key_arn
  kms_key_arn                    = local.key_arn
  claim_seconds                  = var.threshold.claim_seconds
  reserved_concurrent_executions = var.threshold.reserved_concurrent_executions
  package                        = var.lambda
  ops_topic_arn                  = module.monitoring.ops_topic_arn
  tags                           = local.tags
}

module "siem" {
  source = "./modules/splunk-firehose"

  create                       = local.create_siem
  name                         = local.siem_name
  region                       = var.region
  account_id                   = local.account_id
  partition                    = local.partition
  hec_endpoint                 = var.siem.hec_endpoint
  hec_endpoint_type            = var.siem.hec_endpoint_type
  hec_token_secret_arn         = var.siem.hec_token_secret_arn
  hec_token_secret_kms_key_arn = var.siem.hec_token_secret_kms_key_arn
  backup_bucket                = { name = var.siem.backup_bucket_name }
  source_rule_arns             = local.rule_arns_to.siem
  ops_topic_arn                = module.monitoring.ops_topic_arn
  kms_key_arn                  = local.key_arn
  create_kms_key               = false
  tags                         = local.tags
}

module "consumer" {
  source = "./modules/queue-consumer"

  create                 = local.create_consumer
  name                   = local.consumer_name
  region                 = var.region
  account_id             = local.account_id
  partition              = local.partition
  queue_arn              = module.queue.queue_arn
  queue_kms_key_arn      = local.key_arn
  watched_properties     = var.consumer.watched_properties
  finding_sink           = var.consumer.finding_sink
  enrichment             = var.consumer.enrichment
  package                = var.lambda
  idempotency_table_name = module.alerting.idempotency_table_name
  tags                   = local.tags
}

module "webhook" {
  source = "./modules/webhook-ingestion"

  create                         = local.create_webhook
  name                           = local.webhook_name
  region                         = var.region
  account_id                     = local.account_id
  partition                      = local.partition
  event_bus_name                 = local.put_bus_name
  event_source                   = var.custom_event_source
  webhook_secret_arn             = var.webhook.webhook_secret_arn
  webhook_secret_kms_key_arn     = var.webhook.webhook_secret_kms_key_arn
  signature_header               = var.webhook.signature_header
  signature_timestamp_header     = var.webhook.signature_timestamp_header
  throttling_rate_limit          = var.webhook.throttling_rate_limit
  throttling_burst_limit         = var.webhook.throttling_burst_limit
  reserved_concurrent_executions = var.reserved_concurrency.ingestion
  ops_topic_arn                  = module.monitoring.ops_topic_arn
  package                        = var.lambda
  kms_key_arn                    = local.key_arn
  create_kms_key                 = false
  tags                           = local.tags
}

module "backfill" {
  source = "./modules/genesys-backfill"

  create                          = local.create_backfill
  name                            = local.backfill_name
  region                          = var.region
  account_id                      = local.account_id
  partition                       = local.partition
  event_bus_name                  = local.put_bus_name
  event_source                    = var.custom_event_source
  genesys_region                  = var.backfill.genesys_region
  genesys_credentials_secret_arn  = var.backfill.credentials_secret_arn
  genesys_credentials_kms_key_arn = var.backfill.credentials_kms_key_arn
  genesys_sdk_layer_arn           = var.backfill.sdk_layer_arn
  schedule_expression             = var.backfill.schedule_expression
  lookback_hours                  = var.backfill.lookback_hours
  service_names                   = var.backfill.service_names
  reserved_concurrent_executions  = var.reserved_concurrency.backfill
  trail_log_group_name            = var.trail.enabled ? local.trail_name : null
  kms_key_arn                     = local.key_arn
  ops_topic_arn                   = module.monitoring.ops_topic_arn
  package                         = var.lambda
  tags                            = local.tags
}

# -- SOC views: hunting query definitions over the trail, pipeline dashboard -------------------------------

module "hunting" {
  source = "./modules/hunting"

  create = var.create && (var.query_definitions.enabled || var.dashboard.enabled)
  name   = var.name
  region = var.region
  query_definitions = {
    enabled         = var.query_definitions.enabled
    rule_keys       = keys(module.rules.rules)
    log_group_names = compact([module.trail.log_group_name])
  }
  dashboard = {
    enabled                 = var.dashboard.enabled
    event_bus_name          = local.bus_name
    trail_rule_name         = module.rules.trail_rule_name
    rule_names              = module.rules.targeted_rule_names
    dead_letter_queue_names = local.dead_letter_queue_names
    alert_service           = var.alerting.enabled ? "${var.name}-alert" : null
    alarm_arns              = [for a in module.monitoring.alarm_names : "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${a}"]
    silence_hours           = var.monitoring.silence_hours
  }
  tags = local.tags
}
