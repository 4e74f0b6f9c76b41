// The host-manager's deployment: container group, RAM role, private DNS name
// (hpc:host-manager:HostManager).
export { hostManagerArgProblems, type HostManagerArgs } from "./args";
export {
  declareHostManager,
  HostManager,
  HOST_MANAGER_TYPE,
  hostManagerDnsName,
  hostManagerUrl,
  registryServer,
  TERMINATION_GRACE_SECONDS,
  type HostManagerOutputs,
} from "./host-manager";
export { hostManagerPolicyDocument } from "./ram-policy";
export { containerEnvironment } from "./container-env";
export { declareHostManagerTls, type HostManagerTls } from "./tls";
