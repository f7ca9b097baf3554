# Quickstart: hand a provisioned product to the platform team and give it a dedicated launch role.
# run.sh points `endpoint` at a local emulator and seeds the product; against AWS, drop `endpoint`
# and the static keys and let the usual AWS environment supply region and credentials.

terraform {
  required_version = ">= 1.0"
  required_providers {
    servicecatalog = {
      source = "servicecatalog/servicecatalog"
    }
  }
}

variable "endpoint" {
  description = "Service Catalog endpoint URL (the local emulator)."
  type        = string
}

variable "provisioned_product_id" {
  description = "Provisioned product to manage (pp-...)."
  type        = string
}

variable "owner" {
  description = "New owner: an IAM user, IAM role or STS assumed-role ARN in the same account."
  type        = string
  default     = "arn:aws:iam::123456789012:role/PlatformTeam"
}

variable "launch_role" {
  description = "New launch role: an IAM role ARN."
  type        = string
  default     = "arn:aws:iam::123456789012:role/ServiceCatalogLaunchRole"
}

provider "servicecatalog" {
  endpoint   = var.endpoint
  region     = "us-east-1"
  access_key = "AKIDQUICKSTART"
  secret_key = "quickstart-secret"
}

resource "servicecatalog_provisioned_product_properties" "app" {
  provisioned_product_id = var.provisioned_product_id
  properties = {
    OWNER       = var.owner
    LAUNCH_ROLE = var.launch_role
  }
  # On destroy, put back the owner and launch role the product had before.
  restore_on_destroy = true
}

output "record_id" {
  description = "Record of the last change; look it up with DescribeRecord."
  value       = servicecatalog_provisioned_product_properties.app.record_id
}

output "original_properties" {
  description = "Owner and launch role before this configuration changed them."
  value       = servicecatalog_provisioned_product_properties.app.original_properties
}
