output "integration_id" {
  description = "Id of the Genesys integration (null when not created)."
  value       = try(genesyscloud_integration.this[0].id, null)
}

output "partner_event_source_name" {
  description = "The partner event source Genesys creates in aws_region: pass it to the root module (partner_event_source_name) or modules/event-bus."
  value       = var.create && local.genesys_org_id != null ? "aws.partner/genesys.com/cloud/${local.genesys_org_id}/${var.event_source_suffix}" : null
}

output "properties" {
  description = "The integration's config properties, as sent to Genesys."
  value       = var.create ? local.properties : null
}

output "aws_region" {
  description = "The AWS region of the partner event source."
  value       = var.aws_region
}
