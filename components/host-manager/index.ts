// The host-manager's deployment: container group, RAM role, private DNS name.
export {
  HostManager,
  type HostManagerArgs,
  hostManagerUrl,
  TERMINATION_GRACE_SECONDS,
} from "./host-manager";
export { hostManagerPolicyDocument } from "./ram-policy";
export { containerEnvironment } from "./container-env";
