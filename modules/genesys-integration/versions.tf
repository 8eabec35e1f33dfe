terraform {
  required_version = ">= 1.9"

  required_providers {
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = ">= 1.0"
    }
  }
}
