// The rules as pure functions over one resource, for the pack and for the tests.
export * from "./resource";
export {
  ingressViolations,
  parsePortRange,
  isPrivateCidr,
  isWorldCidr,
  SECURITY_GROUP_RULE,
} from "./ingress";
export { publicBandwidthViolations, HOST_TYPES } from "./public-bandwidth";
export type { PublicBandwidthOptions } from "./public-bandwidth";
export { ramActionViolations, RAM_POLICY } from "./ram-actions";
export { requiredTagViolations, REQUIRED_TAGS } from "./required-tags";
export type { RequiredTagOptions } from "./required-tags";
export { plainSecretViolations, CREDENTIAL_NAME } from "./plain-secrets";
export { unreachableSourceViolations, type StackResource } from "./reachable-sources";
export { TAGGABLE_TYPES } from "./taggable-types";
