# Every Genesys audit (the trail rule: everything but presence noise) to Splunk HEC through Firehose,
# next to the trail. The HEC token lives in Secrets Manager ({"hec_token": "..."}): Firehose reads it
# at delivery time, so it is never a Terraform variable and never in state. Splunk Cloud: Firehose
# delivers to the stack's Firehose endpoint http-inputs-firehose-<stack>.splunkcloud.com:443, and the
# HEC token must have indexer acknowledgement enabled (Firehose waits for it, then retries).

provider "aws" {
  region = var.region
}

module "genesys_audit" {
  source = "../.."

  region              = var.region
  data_residency      = "US"
  genesys_org_id      = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
  event_source_suffix = "audit-splunk"

  siem = {
    enabled              = true
    hec_endpoint         = "https://http-inputs-firehose-example.splunkcloud.com:443"
    hec_token_secret_arn = "arn:aws:secretsmanager:${var.region}:123456789012:secret:genesys-audit/splunk-hec-AbCdEf"
  }
}
