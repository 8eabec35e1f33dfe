# One Lambda zip with the handler package plus the shared library, built at plan time by archive_file:
# entries carry fixed timestamps and permissions, so the hash (and the function's source_code_hash)
# changes only when the code does. Third-party code (Powertools) comes from a layer, never from this zip.

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

locals {
  source_dir = coalesce(var.source_dir, "${path.module}/../../lambda_src")
  output_dir = coalesce(var.output_dir, "${path.root}/.build/lambda")

  included = concat([var.handler_package], var.shared_packages)
  # Everything at the top of source_dir that is not ours to ship in this zip (the other handlers,
  # stray files), plus caches that would make the hash depend on the machine.
  top_level = var.create ? distinct([for f in fileset(local.source_dir, "**") : split("/", f)[0]]) : []
  excludes = concat(
    sort([for entry in local.top_level : entry if !contains(local.included, entry)]),
    ["__pycache__", "**/__pycache__", "*.pyc", "**/*.pyc", ".*", "**/.*"],
  )

  public_powertools_layer = var.create ? format(
    "arn:%s:lambda:%s:017000801446:layer:AWSLambdaPowertoolsPythonV3-%s-%s:%d",
    data.aws_partition.current[0].partition, var.region, replace(var.runtime, ".", ""), var.architecture,
    var.powertools_layer.version,
  ) : null
  powertools_layer = var.create && var.powertools_layer.enabled ? coalesce(var.powertools_layer.arn, local.public_powertools_layer) : null
  layers           = concat(compact([local.powertools_layer]), var.extra_layers)
}

data "archive_file" "this" {
  count = var.create ? 1 : 0

  type        = "zip"
  source_dir  = local.source_dir
  excludes    = local.excludes
  output_path = "${local.output_dir}/${var.name}.zip"
  # Fixed permissions: the hash must not depend on the umask of whoever checked the code out.
  output_file_mode = "0644"
}
