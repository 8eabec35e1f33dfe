# The rule catalog and custom rules -> EventBridge rules with exclusions compiled into every
# pattern, and every target of the pipeline (trail, queue, SIEM, alert, extra destinations) in this
# one place, with retry policy and a dead-letter queue, and that queue's policy.

locals {
  # Nothing to compile when the module creates nothing (a `for ... if` skips its elements; a conditional
  # would evaluate both branches).
  catalog     = [for r in jsondecode(file("${path.module}/catalog.json")).rules : r if var.create]
  detail_type = ["v2.audits.entitytype.{id}.entityid.{id}"]

  # Trusted CIDRs become whole-octet prefixes ("10.20.") for anything-but prefix: EventBridge has no
  # "anything-but cidr". A /20 expands to its sixteen /24 prefixes.
  cidr_parts = [for c in var.exclusions.trusted_cidrs : {
    cidr     = c
    bits     = tonumber(split("/", c)[1])
    boundary = ceil(tonumber(split("/", c)[1]) / 8) * 8
  }]
  trusted_prefixes = distinct(flatten([for p in local.cidr_parts : [
    for i in range(pow(2, p.boundary - p.bits)) :
    format("%s.", join(".", slice(split(".", cidrhost(cidrsubnet(p.cidr, p.boundary - p.bits, i), 0)), 0, p.boundary / 8)))
  ]]))

  # Each exclusion keeps events that lack the field: values in one array are ORed, so
  # [{exists = false}, {anything-but = [...]}] means "absent, or present and not excluded"
  # (anything-but alone never matches a missing field). Fragments are JSON strings so that
  # absent ones ("{}") and present ones merge without HCL type conflicts.
  exclusion_json = jsonencode(merge(
    jsondecode(length(var.exclusions.client_ids) == 0 ? "{}" : jsonencode({
      clientId = { id = [{ exists = false }, { "anything-but" = var.exclusions.client_ids }] }
    })),
    jsondecode(length(var.exclusions.user_ids) == 0 ? "{}" : jsonencode({
      userId = [{ exists = false }, { "anything-but" = var.exclusions.user_ids }]
    })),
    jsondecode(length(local.trusted_prefixes) == 0 ? "{}" : jsonencode({
      remoteIp = [{ exists = false }, { "anything-but" = { prefix = local.trusted_prefixes } }]
    })),
  ))
  source_json = length(var.sources) == 0 ? "{}" : jsonencode({ source = var.sources })

  # Threshold (burst) rules only count: without the threshold path they would be rules with no target.
  catalog_rules = {
    for r in local.catalog : r.key => r
    if !contains(var.catalog.disabled, r.key) && (length(var.catalog.domains) == 0 || contains(var.catalog.domains, r.domain))
    && (try(r.threshold, null) == null || var.threshold_rules)
  }
  catalog_bodies = { for k, r in local.catalog_rules : k => merge(
    jsondecode(length(r.match.entity_types) == 0 ? "{}" : jsonencode({ entityType = r.match.entity_types })),
    jsondecode(length(try(r.match.actions, [])) == 0 ? "{}" : jsonencode({ action = r.match.actions })),
    jsondecode(length(try(r.match.properties, [])) == 0 ? "{}" : jsonencode({ propertyChanges = { property = r.match.properties } })),
    jsondecode(length(try(r.match.service_names, [])) == 0 ? "{}" : jsonencode({ serviceName = r.match.service_names })),
    jsondecode(local.exclusion_json),
  ) }

  trail_body_json = jsonencode(merge(
    jsondecode(length(var.trail_rule.exclude_entity_types) == 0 ? "{}" : jsonencode({
      entityType = [{ exists = false }, { "anything-but" = var.trail_rule.exclude_entity_types }]
    })),
    jsondecode(var.trail_rule.apply_exclusions ? local.exclusion_json : "{}"),
  ))

  rules = merge(
    { for k, r in local.catalog_rules : k => {
      title        = r.title
      description  = r.description
      severity     = lookup(var.catalog.severity, k, r.severity)
      domain       = r.domain
      runbook_url  = r.runbook_url
      destinations = tolist(lookup(var.catalog.destinations, k, r.destinations))
      pattern = jsonencode(merge(jsondecode(local.source_json), {
        "detail-type" = local.detail_type
        detail        = { eventBody = local.catalog_bodies[k] }
      }))
    } },
    { for k, r in var.custom_rules : k => {
      title        = r.title
      description  = r.description
      severity     = r.severity
      domain       = r.domain
      runbook_url  = r.runbook_url
      destinations = r.destinations
      pattern      = jsonencode(jsondecode(r.event_pattern))
    } if var.create },
    { for k, r in {
      all-audits = {
        title        = "All Genesys audit events except noise (trail)"
        description  = "Every audit event except ${join(", ", var.trail_rule.exclude_entity_types)}, for the immutable trail and the SIEM."
        severity     = null
        domain       = "trail"
        runbook_url  = ""
        destinations = var.trail_rule.destinations
        pattern = jsonencode(merge(jsondecode(local.source_json), { "detail-type" = local.detail_type },
          local.trail_body_json == "{}" ? {} : { detail = { eventBody = jsondecode(local.trail_body_json) } }
        ))
      }
    } : k => r if var.create && var.trail_rule.enabled },
  )

  rule_names = { for k in keys(local.rules) : k => "${var.name}-${k}" }
  rule_arns  = var.create ? { for k, n in local.rule_names : k => "arn:${var.partition}:events:${var.region}:${var.account_id}:rule/${var.event_bus_name}/${n}" } : {}
  # Every rule of this pipeline: its bus and its name prefix. Queue policies fall back to it when the exact
  # rule ARNs no longer fit SQS's 8,192-byte policy quota (about 38 rules).
  rule_arn_pattern = var.create ? "arn:${var.partition}:events:${var.region}:${var.account_id}:rule/${var.event_bus_name}/${var.name}-*" : null

  # A destination with rule_input_transformers (the alert function, which needs each rule's context)
  # takes only the rules it has a transformer for.
  targets = { for t in flatten([
    for k, r in local.rules : [
      for d in r.destinations : { key = "${k}/${d}", rule = k, destination = d }
      if contains(keys(var.destinations), d) && (try(var.destinations[d].rule_input_transformers, null) == null || contains(keys(coalesce(try(var.destinations[d].rule_input_transformers, null), {})), k))
    ]
  ]) : t.key => t }
  targeted_rules = distinct([for t in values(local.targets) : t.rule])
  # The rule's own transformer if the destination has one for it, else the destination's (or none).
  target_inputs = { for k, t in local.targets : k => try(var.destinations[t.destination].rule_input_transformers[t.rule], var.destinations[t.destination].input_transformer) }

  dlq_name = "${var.name}-targets-dlq"
  has_dlq  = var.create && length(local.targets) > 0
  # Every targeted rule may dead-letter: their exact ARNs while they fit, else the pipeline's rule pattern.
  dlq_source_arns = var.create ? sort([for k in local.targeted_rules : local.rule_arns[k]]) : []
  dlq_source = (length(jsonencode(local.dlq_source_arns)) <= var.exact_source_arns_max_bytes
    ? { test = "ArnEquals", values = local.dlq_source_arns }
  : { test = "ArnLike", values = [local.rule_arn_pattern] })
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.create ? local.rules : {}

  region         = var.region
  name           = local.rule_names[each.key]
  description    = substr(each.value.title, 0, 512)
  event_bus_name = var.event_bus_name
  event_pattern  = each.value.pattern
  state          = "ENABLED"

  lifecycle {
    precondition {
      condition     = length(each.value.pattern) <= var.event_pattern_max_length
      error_message = "The event pattern of rule \"${each.key}\" is ${length(each.value.pattern)} characters, over EventBridge's ${var.event_pattern_max_length}-character event-pattern quota (PutRule would fail). Shorten its exclusions (exclusions.client_ids / user_ids / trusted_cidrs add to every catalog pattern), split the rule, or, after raising the quota with AWS Service Quotas, set event_pattern_max_length (up to 4096)."
    }
  }

  tags = merge(
    var.tags,
    { "genesys-audit:rule" = each.key, "genesys-audit:domain" = each.value.domain },
    { for tk, tv in { "genesys-audit:severity" = each.value.severity } : tk => tv if tv != null },
  )
}

# The targets' dead-letter queue: every targeted rule may dead-letter into it.
module "dlq" {
  source = "../sqs-queue"

  create              = local.has_dlq
  name                = local.dlq_name
  region              = var.region
  account_id          = var.account_id
  partition           = var.partition
  kms_key_arn         = var.dlq_kms_key_arn
  eventbridge_senders = { sid = "EventBridgeDeadLettersFromOurRules", test = local.dlq_source.test, source_arns = local.dlq_source.values }
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.create ? local.targets : {}

  region         = var.region
  rule           = aws_cloudwatch_event_rule.this[each.value.rule].name
  event_bus_name = var.event_bus_name
  target_id      = substr(replace(each.key, "/", "-"), 0, 64)
  arn            = var.destinations[each.value.destination].arn
  role_arn       = var.destinations[each.value.destination].role_arn

  dynamic "input_transformer" {
    for_each = local.target_inputs[each.key] == null ? [] : [local.target_inputs[each.key]]
    content {
      input_paths    = input_transformer.value.input_paths
      input_template = input_transformer.value.input_template
    }
  }

  retry_policy {
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
  }

  # The queue's ARN is read once its policy lets EventBridge dead-letter, before the first event can fail.
  dead_letter_config {
    arn = module.dlq.arn
  }
}
