variable "create" {
  description = "Whether to create the key."
  type        = bool
  default     = true
}

variable "name" {
  description = "Alias of the key (alias/<name>)."
  type        = string
}

variable "region" {
  description = "AWS region of the key (provider v6 per-resource region)."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for ARNs known at plan time (the root module passes its caller identity's)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits; got \"${var.account_id}\"."
  }
}

variable "partition" {
  description = "AWS partition (the root module passes its provider's)."
  type        = string
  default     = "aws"
}

variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "log_group_arns" {
  description = "Log groups (ARNs without :*) that CloudWatch Logs may encrypt with this key; nothing else of CloudWatch Logs is allowed."
  type        = list(string)
  default     = []
}

variable "policy_json" {
  description = "More key policy statements (an IAM policy document JSON): the services and roles that use the key, each scoped by a condition (kms:ViaService, aws:SourceArn, aws:SourceAccount, encryption context). Naming a role here orders the key after it when the JSON references the role resource."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
