# The plugins the Windows image template needs, installed by `packer init images/windows`.
# Kept apart from windows.pkr.hcl because Debian's packer 1.6.6 (used by the tests to
# validate the template offline) predates `required_plugins` and rejects this block.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    alicloud = {
      # Pinned: 1.2.0 (September 2026, the plugin's CHANGELOG) creates the build instance
      # with RunInstances, which the template's network settings were checked against.
      source  = "github.com/hashicorp/alicloud"
      version = "= 1.2.0"
    }
  }
}
