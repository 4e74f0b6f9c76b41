// The fleet's network: VPC, vSwitches and security groups (hpc:network:Network).
export { networkArgProblems, type NetworkArgs } from "./args";
export { declareNetwork, Network, NETWORK_TYPE, type NetworkOutputs } from "./network";
export {
  ingressRules,
  RDP_PORT,
  SECURITY_GROUP_ROLES,
  WINRM_HTTP_PORT,
  WINRM_HTTPS_PORT,
  type IngressRule,
  type SecurityGroupRole,
} from "./rules";
