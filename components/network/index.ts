// The fleet's network: VPC, vSwitches and security groups (hpc:network:Network).
export { Network, networkArgProblems, networkArgsFromConfig, type NetworkArgs } from "./network";
export {
  ingressRules,
  RDP_PORT,
  SECURITY_GROUP_ROLES,
  WINRM_HTTP_PORT,
  WINRM_HTTPS_PORT,
  type IngressRule,
  type SecurityGroupRole,
} from "./rules";
