# Alice leaves: every product she owns goes to the platform team's role.
action "servicecatalog_update_provisioned_product_properties" "offboard_alice" {
  config {
    filter {
      owner = "arn:aws:iam::123456789012:user/alice"
    }
    properties = {
      OWNER = "arn:aws:iam::123456789012:role/PlatformTeam"
    }
  }
}

# A fixed set of products gets a new owner and launch role.
action "servicecatalog_update_provisioned_product_properties" "move_to_team_b" {
  config {
    provisioned_product_ids = ["pp-abcd27bm4mldq", "pp-efgh27bm4mldq"]
    properties = {
      OWNER       = "arn:aws:iam::123456789012:role/TeamB"
      LAUNCH_ROLE = "arn:aws:iam::123456789012:role/TeamBLaunchRole"
    }
  }
}

# Run a hand-over when the reorg's marker changes, as part of an apply.
resource "terraform_data" "reorg" {
  input = "team-a-into-team-b"

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.servicecatalog_update_provisioned_product_properties.move_to_team_b]
    }
  }
}
