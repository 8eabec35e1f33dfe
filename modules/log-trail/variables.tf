variable "create" {
  description = "Create the trail. false creates nothing."
  type        = bool
  default     = true
}

variable "name" {
  description = "Log group name; EventBridge-fed groups conventionally start with /aws/events/."
  type        = string
  default     = "/aws/events/genesys-audit"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#-]{1,512}$", var.name))
    error_message = "name must be a CloudWatch Logs group name (letters, digits, '_', '-', '/', '.', '#'); got \"${var.name}\"."
  }
}

variable "region" {
  description = "AWS region (AWS provider v6 per-resource region)."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for ARNs known at plan time."
  type        = string
}

variable "partition" {
  description = "AWS partition."
  type        = string
  default     = "aws"
}

variable "retention_in_days" {
  description = "How long the trail keeps events. Compliance regimes often ask for 1 year or more (400 covers a year plus an audit window)."
  type        = number
  default     = 400

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retention_in_days)
    error_message = "retention_in_days must be a value CloudWatch Logs accepts (e.g. 365, 400, 731, 1827, 3653); got ${var.retention_in_days}."
  }
}

variable "deletion_protection" {
  description = "CloudWatch Logs deletion protection on the trail (deletion_protection_enabled): DeleteLogGroup is refused, by Terraform too, until it is turned off. To remove the trail deliberately, set it to false and apply, then destroy (README: \"Removing a protected trail or archive\")."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key encrypting the log group (its policy must allow logs.<region>.amazonaws.com). Required: the trail is never stored unencrypted by a key you do not control."
  type        = string
}

variable "source_rule_arns" {
  description = "ARNs of exactly the rules routed to the trail (the logs resource policy names them, nothing else: its quota is 5,120 characters)."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
