terraform {
  # 1.5 brings `check` blocks; cross-variable rules are enforced with
  # lifecycle preconditions so they also work before 1.9.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      # Newer runtimes (nodejs24.x, python3.14) need a recent 6.x; a fresh `terraform init`
      # picks the newest release in range.
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Service   = var.service_name
      ManagedBy = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
