"""A schema-faithful stand-in for Terraform providers that cannot be downloaded here.

Terraform loads it as `registry.terraform.io/hashicorp/aws` (and `hashicorp/archive`,
`mypurecloud/genesyscloud`) from a filesystem mirror the harness writes. It speaks tfplugin6 over
gRPC with the go-plugin handshake, serves the real provider schema (so Terraform core itself
rejects unknown attributes, wrong types and missing required arguments), plans like Terraform's
mock providers (configured values pass through, unset computed attributes become unknown) and
answers the data sources the module reads with realistic values. It cannot apply.
"""
