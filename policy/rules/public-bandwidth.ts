// Fleet hosts get no public address: a scaling configuration or instance with outbound
// public bandwidth above 0 Mbps is given one. A stack that really needs it (a region
// without NAT, say) must say so in its policy config, so the exception is reviewed where
// the pack is applied instead of slipping in as one config number.
import { describe, plain, PolicyResource } from "./resource";

/** The resource types that launch fleet hosts and accept `internetMaxBandwidthOut`. */
export const HOST_TYPES: readonly string[] = [
  "alicloud:ess/scalingConfiguration:ScalingConfiguration",
  "alicloud:ecs/instance:Instance",
];

export interface PublicBandwidthOptions {
  /** The stack's policy config allows public bandwidth on hosts. Defaults to false. */
  readonly allowPublicBandwidth?: boolean;
}

export function publicBandwidthViolations(
  resource: PolicyResource,
  options: PublicBandwidthOptions = {},
): string[] {
  if (!HOST_TYPES.includes(resource.type)) return [];
  if (options.allowPublicBandwidth === true) return [];
  const bandwidth = plain(resource.props.internetMaxBandwidthOut);
  if (bandwidth === undefined || bandwidth === null) return [];
  const mbps = Number(bandwidth);
  if (Number.isFinite(mbps) && mbps <= 0) return [];
  return [
    `${describe(resource)}: internetMaxBandwidthOut is ${String(bandwidth)}, which gives ` +
      "hosts a public address; set it to 0, or allow it with the policy config " +
      "allowPublicBandwidth for this stack",
  ];
}
