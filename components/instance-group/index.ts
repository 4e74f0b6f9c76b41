// The fleet's Windows hosts as an ESS scaling group (hpc:instance-group:InstanceGroup).
export {
  groupSizes,
  instanceGroupArgProblems,
  type InstanceGroupArgs,
  type SpotPriceLimit,
  type SpotStrategy,
} from "./args";
export {
  declareInstanceGroup,
  InstanceGroup,
  INSTANCE_GROUP_TYPE,
  type InstanceGroupOutputs,
} from "./instance-group";
export { capacityPlan, mixesSpotAndOnDemand, type CapacityPlan } from "./capacity";
export {
  hostNamePattern,
  hostNamePrefixProblem,
  WINDOWS_HOST_NAME_MAX_LENGTH,
  type HostNamePattern,
} from "./host-name";
export { ADMIN_PASSWORD_ARGS, ADMIN_PASSWORD_SPECIALS } from "./password";
export { GENERATION_TAG, rolloutFingerprint } from "./rollout";
export {
  BOOTSTRAP_PATH,
  CLIENT_ARGUMENTS_BUDGET,
  HOST_CONFIG_BEGIN,
  HOST_CONFIG_END,
  renderUserData,
  USER_DATA_LIMIT_BYTES,
  UserDataTooLargeError,
  type HostConfig,
} from "./user-data";
