# Import by provisioned product id. The resource then manages the properties that are set
# on the product (OWNER, and LAUNCH_ROLE if it has one).
terraform import servicecatalog_provisioned_product_properties.example pp-abcd27bm4mldq
