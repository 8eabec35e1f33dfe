variable "regions" {
  description = "Compliance regions, each with the event source suffix of its Genesys integration."
  type        = map(object({ event_source_suffix = string }))
  default = {
    "eu-central-1" = { event_source_suffix = "audit-de" }
    "eu-west-1"    = { event_source_suffix = "audit-ie" }
  }
}

variable "genesys_org_id" {
  description = "Genesys Cloud organization id (fake default)."
  type        = string
  default     = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
}

variable "automation_client_ids" {
  description = "OAuth clients of our own automation, excluded everywhere."
  type        = list(string)
  default     = ["d4e5f6a7-4444-4d4d-9e9e-000000000004"]
}
