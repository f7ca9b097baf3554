import {
  to = servicecatalog_provisioned_product_properties.example
  id = "pp-abcd27bm4mldq"
}
