# The plugins the Windows image template needs, installed by `packer init images/windows`.
# Kept apart from windows.pkr.hcl because Debian's packer 1.6.6 (used by the tests to
# validate the template offline) predates `required_plugins` and rejects this block.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    alicloud = {
      # The plugin's 1.x line is the one the alicloud-ecs options below were checked against.
      source  = "github.com/hashicorp/alicloud"
      version = "~> 1"
    }
  }
}
