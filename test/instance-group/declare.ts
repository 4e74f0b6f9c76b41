// Declares the network and the instance group for a stack config, as the fleet wires them.
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { InstanceGroup, type InstanceGroupArgs } from "../../components/instance-group";
import { instanceGroupConfigArgs, networkConfigArgs, stackTags } from "../../components/fleet";
import { Network } from "../../components/network";
import { runDeclarations } from "../helpers/mocks";
import { TEST_CA_CERT_PEM } from "../helpers/ca-cert";
import { RANDOM_PASSWORD } from "../helpers/types";

export const HOST_MANAGER_URL = "https://host-manager.hpc-fleet.internal:8080";
export const PASSWORD = "Ab12!#cdEF34%*ghIJ56+-kl";

/** What the fleet hands the hosts besides the config; tests vary them. */
export interface HostWiring {
  readonly hostManagerUrl?: string;
  readonly hostManagerCaCertPem?: string;
  /** Only as the stack's hostManager.legacyFleetToken hands it over; none by default. */
  readonly legacyFleetToken?: string;
  /** The program's moment, for fleet.schedules; defaults to a fixed day time. */
  readonly capacityAt?: Date;
}

/** 2026-12-01 12:00 in Shanghai (04:00 UTC): the moment hostArgs declares the group at. */
export const DAY = new Date("2026-12-01T04:00:00Z");

/** The InstanceGroup's args for `config`, wired to fixed ids instead of a Network. */
export function hostArgs(
  config: StackConfig,
  imageId = "m-base0001",
  wiring: HostWiring = {},
): InstanceGroupArgs {
  return {
    ...instanceGroupConfigArgs(config),
    vSwitchIds: ["vsw-1"],
    hostsSecurityGroupId: "sg-1",
    imageId,
    hostManagerUrl: wiring.hostManagerUrl ?? HOST_MANAGER_URL,
    hostManagerCaCertPem: wiring.hostManagerCaCertPem ?? TEST_CA_CERT_PEM,
    ...(wiring.legacyFleetToken === undefined
      ? {}
      : { legacyFleetToken: pulumi.secret(wiring.legacyFleetToken) }),
    tags: stackTags(config),
    capacityAt: wiring.capacityAt ?? DAY,
  };
}

export function declareHosts(
  config: StackConfig,
  imageId = "m-base0001",
  wiring: HostWiring = {},
): InstanceGroup {
  const network = new Network("hpc", { ...networkConfigArgs(config), tags: stackTags(config) });
  return new InstanceGroup("hpc", {
    ...hostArgs(config, imageId, wiring),
    vSwitchIds: network.vSwitchIds,
    hostsSecurityGroupId: network.hostsSecurityGroupId,
  });
}

/** Runs declareHosts under mocks; the random password gets a fixed result, as the cloud would. */
export function runHosts(
  config: StackConfig,
  imageId?: string,
  preview = false,
  wiring: HostWiring = {},
) {
  return runDeclarations(() => declareHosts(config, imageId, wiring), {
    preview,
    cloudOutputs: { [RANDOM_PASSWORD]: () => ({ result: PASSWORD }) },
  });
}
