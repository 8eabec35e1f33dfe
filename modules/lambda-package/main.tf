# One Lambda zip with the handler package plus the shared library, built at plan time by archive_file:
# entries carry fixed timestamps and permissions, so the hash (and the function's source_code_hash)
# changes only when the code does. Third-party code (Powertools) comes from a layer, never from this zip.

locals {
  source_dir = coalesce(var.source_dir, "${path.module}/../../lambda_src")
  output_dir = coalesce(var.output_dir, "${path.root}/.build/lambda")

  included = concat([var.handler_package], var.shared_packages)
  files    = var.create ? fileset(local.source_dir, "**") : []
  # The files each handler imports, found statically and committed as source_dir/packages.json
  # (`python -m genesys_audit_tools.lambdazip` writes it; a test keeps it current). A handler without
  # an entry (another source_dir) ships its package and shared_packages whole.
  manifest = var.create ? try(jsondecode(file("${local.source_dir}/packages.json")), {}) : {}
  shipped  = lookup(local.manifest, var.handler_package, null)
  # What is not ours to ship in this zip (other handlers, library modules this handler never imports,
  # stray files), plus caches that would make the hash depend on the machine.
  top_level = distinct([for f in local.files : split("/", f)[0]])
  excludes = concat(
    local.shipped == null ? sort([for entry in local.top_level : entry if !contains(local.included, entry)]) : sort([for f in local.files : f if !contains(local.shipped, f)]),
    ["__pycache__", "**/__pycache__", "*.pyc", "**/*.pyc", ".*", "**/.*"],
  )

  # The account that publishes the public Powertools layer, per partition. Only the commercial one is
  # listed: Powertools publishes GovCloud layers under another account, and its China layer
  # (cn-north-1 only) has been reported not readable by other accounts; there, the caller gives
  # powertools_layer.arn (a copy in their account), which the check below asks for by name.
  powertools_publishers = { aws = "017000801446" }
  partition             = var.partition
  public_powertools_layer = var.create && contains(keys(local.powertools_publishers), local.partition) ? format(
    "arn:%s:lambda:%s:%s:layer:AWSLambdaPowertoolsPythonV3-%s-%s:%d",
    local.partition, var.region, local.powertools_publishers[local.partition], replace(var.runtime, ".", ""),
    var.architecture, var.powertools_layer.version,
  ) : null
  powertools_layer = var.create && var.powertools_layer.enabled ? try(coalesce(var.powertools_layer.arn, local.public_powertools_layer), null) : null
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

  lifecycle {
    precondition {
      condition     = !var.powertools_layer.enabled || var.powertools_layer.arn != null || local.public_powertools_layer != null
      error_message = "No public Powertools layer is known for partition \"${local.partition}\" (region ${var.region}): the module knows the publisher of the commercial partition only. Give the layer ARN of a Powertools v3 copy your account can read (lambda = { powertools_layer_arn = \"arn:${local.partition}:lambda:${var.region}:<account>:layer:<name>:<version>\" } at the root module, or powertools_layer.arn here)."
    }
  }
}
