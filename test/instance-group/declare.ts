// Declares the network and the instance group for a stack config, as the fleet wires them.
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { InstanceGroup } from "../../components/instance-group";
import { Network, networkArgsFromConfig } from "../../components/network";
import { stackTags } from "../../components/tags";
import { runDeclarations } from "../helpers/mocks";

export const HOST_MANAGER_URL = "http://host-manager.hpc-fleet.internal:8080";
export const PASSWORD = "Ab12!#cdEF34%*ghIJ56+-kl";

export const GROUP = "alicloud:ess/scalingGroup:ScalingGroup";
export const CONFIGURATION = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
export const REFRESH = "alicloud:ess/instanceRefresh:InstanceRefresh";
export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

export function declareHosts(config: StackConfig, imageId = "m-base0001"): InstanceGroup {
  const network = new Network("hpc", networkArgsFromConfig(config));
  return new InstanceGroup("hpc", {
    fleet: config.fleet,
    vSwitchIds: network.vSwitchIds,
    hostsSecurityGroupId: network.hostsSecurityGroupId,
    imageId,
    hostManagerUrl: HOST_MANAGER_URL,
    fleetToken: pulumi.secret("fleet-token-1234"),
    tags: stackTags(config),
  });
}

/** Runs declareHosts under mocks; the random password gets a fixed result, as the cloud would. */
export function runHosts(config: StackConfig, imageId?: string, preview = false) {
  return runDeclarations(() => declareHosts(config, imageId), {
    preview,
    cloudOutputs: { [RANDOM_PASSWORD]: () => ({ result: PASSWORD }) },
  });
}
