output "rules" {
  description = "Every rule, keyed by rule key: name, ARN, severity (null for routing rules), title, domain, runbook URL, destinations and rendered pattern."
  value = { for k, r in local.rules : k => {
    name          = local.rule_names[k]
    arn           = local.rule_arns[k]
    severity      = r.severity
    title         = r.title
    description   = r.description
    domain        = r.domain
    runbook_url   = r.runbook_url == "" || startswith(r.runbook_url, "https://") ? r.runbook_url : "${var.runbook_base_url}${r.runbook_url}"
    destinations  = r.destinations
    event_pattern = r.pattern
  } if var.create }
}

output "rule_arns" {
  description = "ARNs of every rule (built from names, known at plan time)."
  value       = var.create ? [for k in keys(local.rules) : local.rule_arns[k]] : []
}

output "trail_rule_name" {
  description = "Name of the catch-all trail rule (for the pipeline-silence alarm), or null."
  value       = var.create && var.trail_rule.enabled ? local.rule_names["all-audits"] : null
}

output "target_ids" {
  description = "Target ids keyed by \"<rule>/<destination>\" (every target of the pipeline, alert included)."
  value       = { for k, t in aws_cloudwatch_event_target.this : k => t.target_id }
}

output "dlq_arn" {
  description = "ARN of the targets' dead-letter queue, or null when there are no targets."
  value       = module.dlq.arn
}

output "dlq_url" {
  description = "URL of the targets' dead-letter queue (null without one)."
  value       = module.dlq.url
}

output "dlq_name" {
  description = "Name of the targets' dead-letter queue, or null."
  value       = local.has_dlq ? local.dlq_name : null
}

output "targeted_rule_names" {
  description = "Names of the rules that have at least one target (the ones whose deliveries can fail)."
  value       = var.create ? distinct([for t in values(local.targets) : local.rule_names[t.rule]]) : []
}

output "rule_arn_pattern" {
  description = "ARN pattern of every rule of this pipeline (its bus, its name prefix): what a queue policy names once the exact rule ARNs no longer fit."
  value       = var.create ? local.rule_arn_pattern : null
}
