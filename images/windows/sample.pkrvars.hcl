# Sample values for `packer validate` in the tests. Not loaded by `packer build`
# (only *.auto.pkrvars.hcl are): the WindowsImage component passes the real
# values as PKR_VAR_* environment variables. client_files_json and winrm_password
# come from the tests' environment, as they do in a real build.
region            = "cn-beijing"
source_image      = "win2022_21H2_x64_dtc_en-us_40G_alibase_20250916.vhd"
instance_type     = "ecs.g7.large"
vswitch_id        = "vsw-sample0000000000000"
security_group_id = "sg-sample0000000000000"
build_address     = "public"
image_name_prefix = "hpc-fleet-win"
content_hash      = "0000000000000000000000000000000000000000000000000000000000000000"
description       = "hpc-fleet Windows image (sample)"
tags_json         = "{\"project\":\"hpc-fleet\",\"stack\":\"dev\"}"
manifest_path     = "manifest.json"
