variable "region" {
  description = "Region of the pipeline."
  type        = string
  default     = "eu-central-1"
}

variable "genesys_org_id" {
  description = "Genesys Cloud organization id (fake default)."
  type        = string
  default     = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
}

variable "event_source_suffix" {
  description = "Event source suffix of the Genesys EventBridge integration (fake default)."
  type        = string
  default     = "audit-events"
}
