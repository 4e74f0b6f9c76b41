// The operators' ways in: HTTPS to the host-manager through an ALB with a white list, and
// Session Manager to the hosts (hpc:operator-access:OperatorAccess).
export {
  ALB_ZONE_COUNT,
  endpointEnabled,
  operatorAccessArgProblems,
  type OperatorAccessArgs,
} from "./args";
export {
  certificateDigest,
  declareOperatorAccess,
  HTTPS_PORT,
  OperatorAccess,
  OPERATOR_ACCESS_TYPE,
  TLS_POLICY,
  type OperatorAccessOutputs,
} from "./operator-access";
