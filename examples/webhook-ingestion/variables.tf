variable "region" {
  description = "Region of the pipeline."
  type        = string
  default     = "eu-west-1"
}
