output "filename" {
  description = "Path of the zip, for aws_lambda_function.filename."
  value       = var.create ? data.archive_file.this[0].output_path : null
}

output "source_code_hash" {
  description = "Base64 SHA-256 of the zip, for aws_lambda_function.source_code_hash (changes only with the code)."
  value       = var.create ? data.archive_file.this[0].output_base64sha256 : null
}

output "handler" {
  description = "Handler string for aws_lambda_function.handler (<package>.handler.handler)."
  value       = "${var.handler_package}.handler.handler"
}

output "runtime" {
  description = "Lambda runtime the layer was chosen for."
  value       = var.runtime
}

output "architectures" {
  description = "For aws_lambda_function.architectures."
  value       = [var.architecture]
}

output "layers" {
  description = "Layer ARNs for aws_lambda_function.layers (Powertools first, then extra_layers)."
  value       = local.layers
}

output "powertools_layer_arn" {
  description = "The Powertools layer in use, or null when disabled."
  value       = local.powertools_layer
}

output "excludes" {
  description = "Paths left out of the zip (other handlers, library modules the handler does not import, caches), for review."
  value       = local.excludes
}
