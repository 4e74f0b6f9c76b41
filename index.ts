// The hpc-fleet Pulumi program: read and validate the stack config, wire the
// components, export the stack outputs. Resources live in components/.
import { readStackConfig } from "./config";
import { declareFleet } from "./components/fleet";

const fleet = declareFleet(readStackConfig());

export const region = fleet.region;
export const environment = fleet.environment;
export const instanceCount = fleet.instanceCount;
export const vpcId = fleet.vpcId;
export const imageId = fleet.imageId;
export const scalingGroupId = fleet.scalingGroupId;
export const scalingConfigurationId = fleet.scalingConfigurationId;
export const hostsSecurityGroupId = fleet.hostsSecurityGroupId;
export const hostManagerUrl = fleet.hostManagerUrl;
export const hostManagerContainerGroupId = fleet.hostManagerContainerGroupId;
/** A Pulumi secret: `pulumi stack output --show-secrets fleetToken`. */
export const fleetToken = fleet.fleetToken;
/** Where the fleet's outbound traffic comes from, for allow-lists at third parties. */
export const egressIp = fleet.egressIp;
/** The operators' HTTPS URL of the host-manager, when operatorAccess.endpoint is on. */
export const operatorUrl = fleet.operatorUrl;
