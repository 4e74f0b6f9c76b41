// Outbound internet for everything in the fleet's vSwitches: an Enhanced internet NAT
// gateway with one EIP and one SNAT entry per vSwitch (or SNAT entries on an existing
// gateway), and no DNAT entry, so nothing on the internet can open a connection in.
// Creating an Enhanced internet NAT gateway adds the VPC's 0.0.0.0/0 route to it
// (https://alibabacloud.com/help/en/nat-gateway/api-createnatgateway).
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../tags";
import type { NetworkArgs } from "./args";

export const DEFAULT_EGRESS_BANDWIDTH_MBPS = 100;

export interface Egress {
  /** The public address the fleet's outbound traffic leaves from; undefined with egress none. */
  readonly ip: pulumi.Output<string | undefined>;
  /** The SNAT entries: whatever runs in the vSwitches reaches the internet once they exist. */
  readonly entries: readonly alicloud.vpc.SnatEntry[];
}

interface EgressTarget {
  readonly snatTableId: pulumi.Input<string>;
  readonly snatIp: pulumi.Input<string>;
  readonly dependsOn: pulumi.Resource[];
}

/**
 * Declares the egress `args.egress` asks for. `vSwitchIds` are the fleet's, in zone order;
 * `tagsFor` gives a child's tags.
 */
export function declareEgress(
  parent: pulumi.Resource,
  name: string,
  args: NetworkArgs,
  vpcId: pulumi.Output<string>,
  vSwitchIds: pulumi.Output<string[]>,
  tagsFor: (role: string, resourceName: string) => Tags,
): Egress {
  const egress = args.egress ?? "nat";
  if (egress === "none") return { ip: pulumi.output(undefined), entries: [] };
  const target =
    egress === "nat"
      ? declareNatGateway(parent, name, args, vpcId, vSwitchIds, tagsFor)
      : existingNatGateway(parent, egress, args.existingVpcId);
  const entries = args.zones.map((zoneId, index) => {
    const entryName = `${name}-snat-${zoneId}`;
    return new alicloud.vpc.SnatEntry(
      entryName,
      {
        snatEntryName: entryName,
        snatTableId: target.snatTableId,
        // By vSwitch rather than by CIDR: the entry follows the vSwitch, whatever its block.
        sourceVswitchId: vSwitchIds.apply((ids) => ids[index]),
        snatIp: target.snatIp,
      },
      // The EIP must be on the gateway first: CreateSnatEntry refuses it with
      // EIP_NOT_IN_GATEWAY, which TF only retries for 5 minutes
      // (alicloud/resource_alicloud_snat_entry.go:101-110).
      { parent, dependsOn: target.dependsOn },
    );
  });
  return { ip: pulumi.output(target.snatIp), entries };
}

/**
 * Where the NAT gateway's vSwitch is among the fleet's: natZone's, if the lookup offers
 * Enhanced NAT there. Throws, naming the key, if not: the preview then fails before any
 * CreateNatGateway does. By zones[].zoneId, as the result's `ids` are the zones' local
 * names (alicloud/data_source_alicloud_enhanced_nat_available_zones.go:91).
 */
export function natZoneIndex(
  fleetZones: readonly string[],
  natZone: string,
  offered: readonly { readonly zoneId: string }[],
): number {
  const offeredIds = offered.map((zone) => zone.zoneId);
  if (!offeredIds.includes(natZone)) {
    const choices = fleetZones.filter((zone) => offeredIds.includes(zone));
    throw new Error(
      `hpc-fleet:network.natZone: ${natZone} offers no Enhanced NAT gateway; ` +
        `choose one of the fleet's zones that does (${choices.join(", ") || "none does"})`,
    );
  }
  return fleetZones.indexOf(natZone);
}

/** The SNAT table and EIP of the existing gateway the lookup found; throws, naming the key, if unusable. */
export function existingNatTarget(
  gateways: readonly {
    readonly id: string;
    readonly networkType: string;
    readonly snatTableIds: readonly string[];
    readonly ipLists: readonly string[];
  }[],
  natGatewayId: string,
  vpcId: string | undefined,
): { readonly snatTableId: string; readonly snatIp: string } {
  const key = "hpc-fleet:network.egress";
  const found = gateways.find((candidate) => candidate.id === natGatewayId);
  if (!found) throw new Error(`${key}: no NAT gateway ${natGatewayId} in ${vpcId}`);
  if (found.networkType !== "internet") {
    throw new Error(`${key}: ${natGatewayId} is a VPC NAT gateway, not an internet one`);
  }
  const [snatTableId] = found.snatTableIds;
  const [snatIp] = found.ipLists;
  if (!snatTableId || !snatIp) {
    throw new Error(`${key}: ${natGatewayId} has no SNAT table or no EIP bound to it`);
  }
  return { snatTableId, snatIp };
}

function declareNatGateway(
  parent: pulumi.Resource,
  name: string,
  args: NetworkArgs,
  vpcId: pulumi.Output<string>,
  vSwitchIds: pulumi.Output<string[]>,
  tagsFor: (role: string, resourceName: string) => Tags,
): EgressTarget {
  const natZone = args.natZone ?? args.zones[0];
  // An Enhanced gateway needs a vSwitch in a zone that offers it; CreateNatGateway's docs
  // say to ask ListEnhanhcedNatGatewayAvailableZones first
  // (https://www.alibabacloud.com/help/doc-detail/201389.htm). The zone is the config's
  // choice, not the first listed one: the gateway's vSwitch cannot change in place.
  const available = alicloud.vpc.getEnhancedNatAvailableZonesOutput({}, { parent });
  const natVSwitchId = pulumi
    .all([available, vSwitchIds])
    .apply(([{ zones }, ids]) => ids[natZoneIndex(args.zones, natZone, zones)]);

  const natName = `${name}-nat`;
  const nat = new alicloud.vpc.NatGateway(
    natName,
    {
      natGatewayName: natName,
      description: "hpc-fleet: the fleet's outbound internet, SNAT only",
      vpcId,
      vswitchId: natVSwitchId,
      // Create sends NatType even when unset (alicloud/resource_alicloud_nat_gateway.go:251),
      // and Normal gateways are no longer sold (vpc/natGateway.d.ts, natType).
      natType: "Enhanced",
      networkType: "internet",
      paymentType: "PayAsYouGo",
      internetChargeType: "PayByLcu",
      tags: tagsFor("network", natName),
    },
    {
      parent,
      // Immutable in the API, but not ForceNew in TF: vswitch_id goes through
      // UpdateNatGatewayNatType (:571-610) and network_type has no update at all, so a
      // change would be an update that never lands. Replace instead.
      replaceOnChanges: ["networkType", "vswitchId"],
    },
  );

  const eipName = `${name}-nat-eip`;
  const eip = new alicloud.ecs.EipAddress(
    eipName,
    {
      addressName: eipName,
      description: "hpc-fleet: the NAT gateway's outbound address",
      paymentType: "PayAsYouGo",
      // Billed per GB, the bandwidth only a cap: a fleet that mostly reports and downloads
      // now and then pays for what it sends, not for a reserved peak.
      internetChargeType: "PayByTraffic",
      bandwidth: String(args.egressBandwidthMbps ?? DEFAULT_EGRESS_BANDWIDTH_MBPS),
      tags: tagsFor("network", eipName),
    },
    { parent },
  );
  const association = new alicloud.ecs.EipAssociation(
    `${name}-nat-eip-association`,
    // TF would guess Nat from the ngw- prefix (resource_alicloud_eip_association.go:89);
    // said outright, it does not depend on that.
    { allocationId: eip.id, instanceId: nat.id, instanceType: "Nat" },
    { parent },
  );
  return { snatTableId: nat.snatTableIds, snatIp: eip.ipAddress, dependsOn: [association] };
}

/**
 * SNAT entries on an existing gateway's table, from its EIP. Both come from the gateway
 * itself (DescribeNatGateways), so they cannot disagree with it: a table or an address
 * given by hand could belong to another gateway.
 */
function existingNatGateway(
  parent: pulumi.Resource,
  natGatewayId: string,
  vpcId: string | undefined,
): EgressTarget {
  const gateway = alicloud.vpc
    .getNatGatewaysOutput({ ids: [natGatewayId], vpcId }, { parent })
    .apply(({ gateways }) => existingNatTarget(gateways, natGatewayId, vpcId));
  return {
    snatTableId: gateway.apply((found) => found.snatTableId),
    snatIp: gateway.apply((found) => found.snatIp),
    dependsOn: [],
  };
}
