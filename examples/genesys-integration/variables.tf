variable "region" {
  description = "AWS region of the pipeline and of the partner event source."
  type        = string
  default     = "eu-central-1"
}

variable "genesys_region" {
  description = "The Genesys org's region (domain of its login URL)."
  type        = string
  default     = "mypurecloud.de"
}

variable "genesys_org_id" {
  description = "Genesys Cloud organization id (fake default)."
  type        = string
  default     = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
}

variable "event_source_suffix" {
  description = "Suffix of the partner event source the integration creates."
  type        = string
  default     = "audit-events"
}

variable "lookup_partner_event_source" {
  description = "Step 2 of the two-step apply: read the partner source Genesys created, so a missing one fails the plan clearly."
  type        = bool
  default     = false
}
