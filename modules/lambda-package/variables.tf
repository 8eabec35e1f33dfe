variable "create" {
  description = "Build the package. false builds nothing (and the module's outputs are null)."
  type        = bool
  default     = true
}

variable "name" {
  description = "File name of the zip without extension, unique per Lambda and region (e.g. \"genesys-audit-alert-eu-west-1\")."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.name))
    error_message = "name may contain only letters, digits, '.', '_' and '-' (1-128 characters); got \"${var.name}\". Example: \"genesys-audit-alert-eu-west-1\"."
  }
}

variable "handler_package" {
  description = "Top-level package under source_dir holding the handler (handler.py with a function named handler), e.g. \"alert\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.handler_package))
    error_message = "handler_package must be a Python package name such as \"alert\", \"ingestion\" or \"consumer\"; got \"${var.handler_package}\"."
  }
}

variable "shared_packages" {
  description = "Other top-level packages under source_dir shipped in every zip (the runtime library)."
  type        = list(string)
  default     = ["genesys_audit"]
}

variable "source_dir" {
  description = "Directory holding the Lambda sources (lambda_src/ of this repository by default)."
  type        = string
  default     = null
}

variable "output_dir" {
  description = "Directory the zip is written to at plan time. Default: <root module>/.build/lambda."
  type        = string
  default     = null
}

variable "region" {
  description = "AWS region of the function (selects the regional Powertools layer)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as \"eu-west-1\"; got \"${var.region}\"."
  }
}

variable "partition" {
  description = "AWS partition (the root module passes its provider's)."
  type        = string
  default     = "aws"
}

variable "runtime" {
  description = "Lambda runtime. The public Powertools layer name is derived from it."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be one of python3.11, python3.12, python3.13 (Powertools v3 layers exist for these); got \"${var.runtime}\"."
  }
}

variable "architecture" {
  description = "Instruction set of the function: x86_64 or arm64 (selects the matching Powertools layer)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be \"x86_64\" or \"arm64\"; got \"${var.architecture}\"."
  }
}

variable "powertools_layer" {
  description = <<-EOT
    Where aws-lambda-powertools comes from. By default, in the commercial partition, the AWS-published
    public layer arn:aws:lambda:<region>:017000801446:layer:AWSLambdaPowertoolsPythonV3-<runtime>-<arch>:<version>.
    In other partitions (GovCloud, China), whose layers are published under other accounts, `arn` is
    required (the plan is refused without it): a versioned layer ARN your account can read. `enabled =
    false` ships no Powertools layer.
  EOT
  type = object({
    enabled = optional(bool, true)
    version = optional(number, 27)
    arn     = optional(string)
  })
  default = {}

  validation {
    condition     = var.powertools_layer.version >= 1 && floor(var.powertools_layer.version) == var.powertools_layer.version
    error_message = "powertools_layer.version must be a positive whole number (the layer version, e.g. 27)."
  }

  validation {
    condition     = var.powertools_layer.arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer.arn))
    error_message = "powertools_layer.arn must be a versioned layer ARN like arn:aws:lambda:eu-west-1:123456789012:layer:powertools:3."
  }
}

variable "extra_layers" {
  description = "Further layer ARNs (versioned) added after the Powertools layer."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.extra_layers : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", arn))])
    error_message = "extra_layers must hold versioned layer ARNs like arn:aws:lambda:eu-west-1:123456789012:layer:name:1."
  }
}
