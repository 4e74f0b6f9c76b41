// Where the image installs the bootstrap that the hosts' user-data calls. The user-data
// itself is the instance group's (instance-group/user-data.ts); this module stays only
// because test/scripts, owned by the scripts' work, imports BOOTSTRAP_PATH from here.
// Import it from @hpc-fleet/fleet-contract instead; delete this file once none does.
export { BOOTSTRAP_PATH } from "@hpc-fleet/fleet-contract";
