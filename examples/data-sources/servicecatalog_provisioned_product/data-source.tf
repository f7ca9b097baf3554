# Look a provisioned product up by name (or set `id` instead).
data "servicecatalog_provisioned_product" "web" {
  name = "web-1"
}

output "web_owner" {
  value = data.servicecatalog_provisioned_product.web.owner
}

output "web_launch_role" {
  value = data.servicecatalog_provisioned_product.web.launch_role_arn
}

output "web_status" {
  value = "${data.servicecatalog_provisioned_product.web.status} since ${data.servicecatalog_provisioned_product.web.created_time}"
}
