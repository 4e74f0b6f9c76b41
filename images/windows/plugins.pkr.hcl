# The plugins the Windows image template needs, installed by `packer init images/windows`.
# Kept apart from windows.pkr.hcl because Debian's packer 1.6.6 (used by the tests to
# validate the template offline) predates `required_plugins` and rejects this block.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    alicloud = {
      # Pinned to 1.1.2, the newest release that can be confirmed: the newest tag in
      # hashicorp/packer-plugin-alicloud is v1.1.2 ("version: cut release v1.1.2",
      # 2024-06-05, PR #141); main has said 1.1.3-dev since, and no 1.2.0 tag or release
      # exists (CHANGELOG.md lists nothing after 1.0.0). 1.1.2 creates the build instance
      # with CreateInstance, stopped, and starts it once the EIP is bound, so the user-data
      # runs at that one, real first start; main's RunInstances starts and stops it first.
      source  = "github.com/hashicorp/alicloud"
      version = "= 1.1.2"
    }
  }
}
