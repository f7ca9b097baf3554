terraform {
  required_providers {
    servicecatalog = {
      source = "registry.terraform.io/servicecatalog/servicecatalog"
    }
  }
}

# Region and credentials from the usual AWS environment variables, shared files,
# container or instance credentials.
provider "servicecatalog" {
  region = "us-east-1"
}

# Through a role assumed in the account that owns the provisioned products.
provider "servicecatalog" {
  alias  = "platform"
  region = "eu-west-1"

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/ServiceCatalogAdmin"
    session_name = "terraform"
    duration     = "1h"
  }
}

# Against a local servicecatalog-emulator (started with --listen 127.0.0.1:4599).
# The emulator accepts any keys unless it was given a principals file.
provider "servicecatalog" {
  alias      = "local"
  region     = "us-east-1"
  endpoint   = "http://127.0.0.1:4599"
  access_key = "AKIDLOCALEMULATOR"
  secret_key = "not-a-real-secret"
}
