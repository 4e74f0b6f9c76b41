// The fleet's Windows hosts as an ESS scaling group (hpc:instance-group:InstanceGroup).
export {
  InstanceGroup,
  instanceGroupArgProblems,
  type FleetSettings,
  type InstanceGroupArgs,
} from "./instance-group";
export { capacityPlan, mixesSpotAndOnDemand, type CapacityPlan } from "./capacity";
export { hostNamePattern, WINDOWS_HOST_NAME_MAX_LENGTH, type HostNamePattern } from "./host-name";
export { isAcceptedPassword, PASSWORD_ARGS, PASSWORD_SPECIALS } from "./password";
export { GENERATION_TAG, rolloutFingerprint } from "./rollout";
export {
  BOOTSTRAP_PATH,
  HOST_CONFIG_BEGIN,
  HOST_CONFIG_END,
  renderUserData,
  USER_DATA_LIMIT_BYTES,
  UserDataTooLargeError,
  type HostConfig,
} from "./user-data";
