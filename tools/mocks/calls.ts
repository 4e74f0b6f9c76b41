// What the mock provider answers for the data sources the program reads, in the shape the
// provider returns them (TF's data sources, which the Pulumi functions bridge). Only these
// calls are expected: the recorder still refuses any other (recorder.ts).
import { registryEnterpriseInstancesCall } from "./provider-outputs";
import { GET_IMAGES, publicImagesCall } from "./public-images";
import type { CallHandler } from "./recorder";

export const ENHANCED_NAT_ZONES =
  "alicloud:vpc/getEnhancedNatAvailableZones:getEnhancedNatAvailableZones";
export const NAT_GATEWAYS = "alicloud:vpc/getNatGateways:getNatGateways";
export const CALLER_IDENTITY = "alicloud:index/getCallerIdentity:getCallerIdentity";
/** The account the mocks deploy into: what GetCallerIdentity answers. */
export const MOCK_ACCOUNT_ID = "1234567890123456";
export const REGISTRY_INSTANCES =
  "alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances";

/**
 * The zones ListEnhanhcedNatGatewayAvailableZones lists per region, for the regions the
 * shipped stacks use (their zones as the ECS console lists them; a real preview asks the
 * API), with the zones' local names.
 */
export const ENHANCED_NAT_ZONES_BY_REGION: Readonly<
  Record<string, { readonly localName: string; readonly zoneIds: readonly string[] }>
> = {
  "cn-beijing": {
    localName: "华北 2",
    zoneIds: ["a", "c", "e", "f", "g", "h", "i", "j", "k", "l"].map((z) => `cn-beijing-${z}`),
  },
  "cn-hangzhou": {
    localName: "华东 1",
    zoneIds: ["b", "f", "g", "h", "i", "j", "k"].map((z) => `cn-hangzhou-${z}`),
  },
  "ap-southeast-1": {
    localName: "新加坡",
    zoneIds: ["a", "b", "c"].map((z) => `ap-southeast-1${z}`),
  },
};

/**
 * As TF answers it: `zones` of `{ zoneId, localName }` sorted by id, and `ids` holding the
 * zones' *local names*, not their ids (data_source_alicloud_enhanced_nat_available_zones.go:81-91),
 * so a program must read `zones[].zoneId`.
 */
function enhancedNatZones(region: string | undefined): CallHandler {
  const regions = region === undefined ? Object.keys(ENHANCED_NAT_ZONES_BY_REGION) : [region];
  return () => {
    const zones = regions.flatMap((name) => {
      const known = ENHANCED_NAT_ZONES_BY_REGION[name];
      if (!known) throw new Error(`the mocks know no Enhanced NAT zones for region ${name}`);
      return known.zoneIds.map((zoneId) => ({
        zoneId,
        localName: `${known.localName} 可用区 ${zoneId.slice(-1).toUpperCase()}`,
      }));
    });
    zones.sort((left, right) => left.zoneId.localeCompare(right.zoneId));
    return { id: "67a1b2c3", ids: zones.map((zone) => zone.localName), zones };
  };
}

/**
 * An existing internet NAT gateway as DescribeNatGateways shows it, for any id asked
 * (data_source_alicloud_nat_gateways.go:311-343): in the VPC the call filters by, with one
 * SNAT table and one EIP bound.
 */
export function existingNatGateway(natGatewayId: string, vpcId: string) {
  const suffix = natGatewayId.replace(/^ngw-/, "");
  return {
    id: natGatewayId,
    natGatewayId,
    natGatewayName: "existing-nat",
    name: "existing-nat",
    natType: "Enhanced",
    networkType: "internet",
    paymentType: "PayAsYouGo",
    internetChargeType: "PayByLcu",
    status: "Available",
    vpcId,
    vswitchId: "vsw-existing-nat",
    snatTableIds: [`stb-${suffix}`],
    forwardTableIds: [`ftb-${suffix}`],
    ipLists: ["47.100.10.20"],
  };
}

const natGateways: CallHandler = (inputs) => {
  const ids = (inputs.ids as string[] | undefined) ?? [];
  const vpcId = String(inputs.vpcId ?? "vpc-existing");
  const gateways = ids.map((id) => existingNatGateway(id, vpcId));
  return { id: ids.join(","), ids, names: gateways.map((g) => g.name), gateways };
};

/**
 * GetCallerIdentity as STS answers it for a RAM user of the account
 * (data_source_alicloud_caller_identity.go: accountId, arn, identityType; id the account).
 */
const callerIdentity: CallHandler = () => ({
  id: MOCK_ACCOUNT_ID,
  accountId: MOCK_ACCOUNT_ID,
  arn: `acs:ram::${MOCK_ACCOUNT_ID}:user/deployer`,
  identityType: "RAMUser",
});

/**
 * The provider calls the program makes, answered as for `region`; without one (a test
 * declaring a component on its own), as for every region the shipped stacks use.
 */
export function cloudCalls(region?: string): Record<string, CallHandler> {
  return {
    [ENHANCED_NAT_ZONES]: enhancedNatZones(region),
    [NAT_GATEWAYS]: natGateways,
    [REGISTRY_INSTANCES]: registryEnterpriseInstancesCall,
    [CALLER_IDENTITY]: callerIdentity,
    // Public image ids are the same in every region.
    [GET_IMAGES]: publicImagesCall(),
  };
}
