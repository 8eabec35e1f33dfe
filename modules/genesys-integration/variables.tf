variable "create" {
  description = "Whether to create the integration (false plans nothing, for a conditional call)."
  type        = bool
  default     = true
}

variable "genesys_region" {
  description = "The Genesys Cloud region of the org, as the domain of its login URL (mypurecloud.com, mypurecloud.ie, mypurecloud.de, euw2.pure.cloud, ...). Checked against data_residency; the provider block's aws_region must be the same region."
  type        = string

  validation {
    condition     = contains(local.residency.genesys_domains, var.genesys_region)
    error_message = "genesys_region must be the domain of the org's login URL (login.<domain>): ${join(", ", local.residency.genesys_domains)}; got \"${var.genesys_region}\"."
  }
}

variable "genesys_org_id" {
  description = "The Genesys org id (Admin > Organization Settings). null reads it from the provider's org (data genesyscloud_organizations_me); set it to know the partner source name at plan time."
  type        = string
  default     = null

  validation {
    condition     = var.genesys_org_id == null || can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.genesys_org_id))
    error_message = "genesys_org_id must be the org's UUID (lower-case, e.g. 7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70) or null."
  }
}

variable "aws_account_id" {
  description = "The AWS account that receives the partner event source."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be the 12-digit AWS account id (leading zeros included, as a string); got \"${var.aws_account_id}\"."
  }
}

variable "aws_region" {
  description = "The AWS region where Genesys creates the partner event source (one integration per region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region code such as \"eu-central-1\"; got \"${var.aws_region}\"."
  }
}

variable "event_source_suffix" {
  description = "The last part of the partner event source name aws.partner/genesys.com/cloud/<org id>/<suffix>: at most 64 letters, digits, '.', '_' or '-'."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.event_source_suffix))
    error_message = "event_source_suffix must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-' (Genesys refuses anything else); got \"${var.event_source_suffix}\". Example: \"audit-events\"."
  }
}

variable "event_filter" {
  description = "Topics the integration sends (the integration's eventFilter). The audit topic by default; the bus rules then filter the high-risk changes."
  type        = list(string)
  default     = ["v2.audits.entitytype.{id}.entityid.{id}"]

  validation {
    condition     = length(var.event_filter) > 0 && alltrue([for t in var.event_filter : can(regex("^v2\\.[A-Za-z0-9.{}_-]+$", t))])
    error_message = "event_filter must list at least one notification topic pattern such as \"v2.audits.entitytype.{id}.entityid.{id}\"."
  }
}

variable "data_residency" {
  description = "The boundary both the Genesys region and the AWS region must lie in, as in the root module: EU, UK, CH, EUROPE, US, US_GOV, CA, AU, JP, IN, BR, or ANY (the regions of each are in residency.json at the repository root)."
  type        = string
  default     = "ANY"

  validation {
    condition     = var.data_residency == "ANY" || contains(keys(local.residency.aws_regions), var.data_residency)
    error_message = "data_residency must be one of ${join(", ", keys(local.residency.aws_regions))}, ANY; got \"${var.data_residency}\"."
  }

  # The AWS region where Genesys creates the partner source, inside the boundary.
  validation {
    condition     = var.data_residency == "ANY" || contains(lookup(local.residency.aws_regions, var.data_residency, []), var.aws_region)
    error_message = "data_residency = \"${var.data_residency}\" does not allow AWS region \"${var.aws_region}\": Genesys would send the audit events (user ids, IPs, recording ids) out of the boundary. Choose an aws_region inside it (${join(", ", lookup(local.residency.aws_regions, var.data_residency, []))}), or set data_residency = \"ANY\"."
  }

  # The Genesys region (where the audit records are produced and held), inside the boundary.
  validation {
    condition     = var.data_residency == "ANY" || contains(lookup(local.residency.genesys_regions, var.data_residency, []), var.genesys_region)
    error_message = "data_residency = \"${var.data_residency}\" does not allow Genesys region \"${var.genesys_region}\": the org's audit records are held outside the boundary, so an integration cannot keep them inside it. Use an org in a Genesys region inside the boundary, or set data_residency = \"ANY\"."
  }
}

variable "intended_state" {
  description = "ENABLED sends events; DISABLED keeps the integration but stops them (the silence alarm of the AWS side then fires)."
  type        = string
  default     = "ENABLED"

  validation {
    condition     = contains(["ENABLED", "DISABLED"], var.intended_state)
    error_message = "intended_state must be \"ENABLED\" or \"DISABLED\"; got \"${var.intended_state}\"."
  }
}

variable "integration_name" {
  description = "Name of the integration in Genesys Cloud Admin > Integrations. null: \"Genesys audit to Amazon EventBridge (<aws_region>)\"."
  type        = string
  default     = null
}

variable "notes" {
  description = "Notes shown on the integration in Genesys Cloud."
  type        = string
  default     = "Managed by Terraform (genesys-audit-eventbridge): audit events to Amazon EventBridge. Do not edit in the UI."
}
