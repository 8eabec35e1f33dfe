variable "create" {
  description = "Whether to create anything."
  type        = bool
  default     = true
}

variable "name" {
  description = "Function name; also names its log group (/aws/lambda/<name>) and, with the region, its role and zip."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be a Lambda function name: 1-64 letters, digits, '-' or '_'; got \"${var.name}\". Example: \"genesys-audit-alert\"."
  }
}

variable "region" {
  description = "AWS region of the function (provider v6 per-resource region; selects the regional Powertools layer)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as \"eu-west-1\"; got \"${var.region}\"."
  }
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
  description = "What the function does (function and role description)."
  type        = string
}

variable "handler_package" {
  description = "Top-level package of lambda_src/ holding handler.py with a function named handler (alert, ingestion, consumer, ...); also the role policy's name."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]*$", var.handler_package))
    error_message = "handler_package must be a Python package name such as \"alert\", \"ingestion\" or \"consumer\"; got \"${var.handler_package}\"."
  }
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

variable "policy_json" {
  description = "The function's own permissions (an IAM policy document JSON), including sqs:SendMessage on the dead_letter queue when set. Writing to its own log group is added here."
  type        = string
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "package" {
  description = <<-EOT
    How the zip is built and which layers the function gets. `source_dir`: the Lambda sources (this
    repository's lambda_src/ by default); `output_dir`: where the zip is written at plan time
    (<root module>/.build/lambda by default); `architecture`: x86_64 or arm64. Powertools comes from a
    layer, never from the zip: in the commercial partition the AWS-published public layer
    arn:aws:lambda:<region>:017000801446:layer:AWSLambdaPowertoolsPythonV3-<runtime>-<arch>:<powertools_layer_version>;
    in other partitions (GovCloud, China), whose layers are published under other accounts,
    `powertools_layer_arn` is required (the plan is refused without it). `extra_layers` come after it.
  EOT
  type = object({
    source_dir               = optional(string)
    output_dir               = optional(string)
    architecture             = optional(string, "x86_64")
    powertools_layer_version = optional(number, 27)
    powertools_layer_arn     = optional(string)
    extra_layers             = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = contains(["x86_64", "arm64"], var.package.architecture)
    error_message = "package.architecture must be \"x86_64\" or \"arm64\"; got \"${var.package.architecture}\"."
  }

  validation {
    condition     = var.package.powertools_layer_version >= 1 && floor(var.package.powertools_layer_version) == var.package.powertools_layer_version
    error_message = "package.powertools_layer_version must be a positive whole number (the layer version, e.g. 27)."
  }

  validation {
    condition     = var.package.powertools_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.package.powertools_layer_arn))
    error_message = "package.powertools_layer_arn must be a versioned layer ARN like arn:aws:lambda:eu-west-1:123456789012:layer:powertools:3."
  }

  validation {
    condition     = alltrue([for arn in var.package.extra_layers : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", arn))])
    error_message = "package.extra_layers must hold versioned layer ARNs like arn:aws:lambda:eu-west-1:123456789012:layer:name:1."
  }
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency; null leaves the function on the account's unreserved pool."
  type        = number
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key encrypting the function environment and its log group (its policy must allow logs.<region>.amazonaws.com for this log group)."
  type        = string
}

variable "dead_letter" {
  description = "A dead-letter queue `<name>-dlq` (KMS-encrypted with kms_key_arn, TLS only, the role may send to it) for asynchronous invocations that failed every retry; null for synchronous or queue-polled functions."
  type = object({
    message_retention_seconds = optional(number, 1209600)
  })
  default = null
}

variable "async_invoke" {
  description = "Retry settings of asynchronous invocations; null leaves Lambda's defaults (2 retries, 6 hours)."
  type = object({
    maximum_retry_attempts       = number
    maximum_event_age_in_seconds = number
  })
  default = null
}

variable "tracing_enabled" {
  description = "X-Ray active tracing (attaches AWSXRayDaemonWriteAccess)."
  type        = bool
  default     = false
}

variable "vpc_config" {
  description = "Run the function in these subnets and security groups (attaches AWSLambdaVPCAccessExecutionRole); null runs it outside a VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "code_signing_config_arn" {
  description = "Lambda code signing configuration to enforce."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
