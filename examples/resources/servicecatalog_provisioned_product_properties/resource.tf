# Hand a provisioned product to the platform team and give it its own launch role.
resource "servicecatalog_provisioned_product_properties" "example" {
  provisioned_product_id = "pp-abcd27bm4mldq"

  properties = {
    OWNER       = "arn:aws:iam::123456789012:role/PlatformTeam"
    LAUNCH_ROLE = "arn:aws:iam::123456789012:role/ServiceCatalogLaunchRole"
  }

  # On destroy, put back the owner and launch role the product had before.
  restore_on_destroy = true

  timeouts {
    create = "10m"
    update = "10m"
    delete = "10m"
  }
}
