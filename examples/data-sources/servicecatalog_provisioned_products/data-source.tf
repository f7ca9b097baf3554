# Every available product provisioned from one product, tagged for the platform team.
data "servicecatalog_provisioned_products" "platform" {
  product_id = "prod-abcdefgh12345"
  status     = "AVAILABLE"
  tags = {
    team = "platform"
  }
}

# Bring them all under management (Terraform 1.7 and later) with the owner and launch role
# they have now: the first apply only imports, and changes nothing.
locals {
  fleet = { for p in data.servicecatalog_provisioned_products.platform.provisioned_products : p.id => p }
}

import {
  for_each = local.fleet
  to       = servicecatalog_provisioned_product_properties.fleet[each.key]
  id       = each.key
}

resource "servicecatalog_provisioned_product_properties" "fleet" {
  for_each               = local.fleet
  provisioned_product_id = each.key
  # The keys that have a value: a product without a launch role manages only its owner.
  properties = { for k, v in { OWNER = each.value.owner, LAUNCH_ROLE = each.value.launch_role_arn } : k => v if v != null }
}

output "fleet_owners" {
  value = { for id, p in local.fleet : p.name => p.owner }
}

# What one person owns: every product whose OWNER is exactly this IAM user.
data "servicecatalog_provisioned_products" "alice" {
  owner = "arn:aws:iam::123456789012:user/alice"
}

output "owned_by_alice" {
  value = { for p in data.servicecatalog_provisioned_products.alice.provisioned_products : p.id => p.name }
}
