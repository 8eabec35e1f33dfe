variable "region" {
  description = "Region of the pipeline."
  type        = string
  default     = "us-east-1"
}
