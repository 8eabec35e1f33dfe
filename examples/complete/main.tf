# Every option of the core pipeline in one region: partner bus with archive, the full catalog with a
# severity override and a custom rule, exclusions of our own automation (the infinite-loop guard),
# trail, detections queue, alarms to an ops topic. Plans with no variables (org id, suffix and account
# are obviously fake).

provider "aws" {
  region = var.region
}

module "genesys_audit" {
  source = "../.."

  name                = "genesys-audit"
  region              = var.region
  data_residency      = "EU"
  genesys_org_id      = var.genesys_org_id
  event_source_suffix = var.event_source_suffix

  archive = { enabled = true, retention_days = 400 }

  catalog = {
    severity = { "division-move" = "HIGH" }
  }

  custom_rules = {
    "flow-publish" = {
      title       = "Architect flow published"
      description = "A call or message flow was published: routing logic changed."
      severity    = "MEDIUM"
      domain      = "routing"
      event_pattern = jsonencode({
        "detail-type" = ["v2.audits.entitytype.{id}.entityid.{id}"]
        detail        = { eventBody = { entityType = ["Flow"], action = ["Publish"] } }
      })
      destinations = ["queue"]
    }
  }

  exclusions = {
    # The OAuth clients our own automation uses to change Genesys (never alert on our own writes).
    client_ids = ["d4e5f6a7-4444-4d4d-9e9e-000000000004", "f0f0f0f0-aaaa-4aaa-8aaa-00000000a070"]
    # A service user that bulk-maintains users.
    user_ids = ["9f9f9f9f-0000-4000-8000-00000000e0e0"]
    # The corporate admin network.
    trusted_cidrs = ["10.20.0.0/16"]
  }

  trail = { retention_in_days = 731 }
  queue = { enabled = true, max_receive_count = 5 }

  monitoring = {
    silence_hours           = 6
    ops_email_subscriptions = ["secops@example.com"]
  }

  # Hunting queries per catalog rule in the Logs Insights console, and the pipeline dashboard.
  query_definitions = { enabled = true }
  dashboard         = { enabled = true }

  # Alerts within seconds: SNS e-mail plus Slack, Teams and PagerDuty, their URLs and routing key in
  # Secrets Manager (the ARNs are fake; create the secrets before applying).
  alerting = {
    enabled              = true
    email_subscriptions  = ["soc@example.com"]
    slack_secret_arn     = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/slack-AbCdEf"
    teams_secret_arn     = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/teams-AbCdEf"
    pagerduty_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/pagerduty-AbCdEf"
  }

  # Every audit (the trail rule) to Splunk through Firehose; the HEC token is read by Firehose from
  # Secrets Manager at delivery time and never enters Terraform state.
  siem = {
    enabled              = true
    hec_endpoint         = "https://http-inputs-firehose-example.splunkcloud.com:443"
    hec_token_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/splunk-hec-AbCdEf"
  }

  # The idempotent consumer of the detections queue.
  consumer = { enabled = true }

  # Threshold (burst) rules: exact counts per window and group in DynamoDB, one alert to the alert topic.
  threshold = { enabled = true }

  tags = { Environment = "example", Owner = "security" }
}
