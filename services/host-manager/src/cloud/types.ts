// What the health check needs from a cloud: the scaling group's instances, reboot and replace.
import type { ReplaceMode } from "../config";

/** The ECS tag the Pulumi program sets, through the scaling configuration, on every host. */
export { GENERATION_TAG } from "@hpc-fleet/fleet-contract";

export interface CloudInstance {
  instanceId: string;
  privateIp: string | null;
  /** Milliseconds since the epoch, from the cloud's creation time. */
  createdAt: number;
  /** ESS lifecycle state (InService, Pending, Removing, ...); null when the cloud has none. */
  lifecycleState: string | null;
  /** The instance's `hpc-fleet-generation` tag: what it was built from; null when untagged. */
  generation: string | null;
}

export interface CloudDriver {
  readonly name: string;
  listInstances(): Promise<CloudInstance[]>;
  rebootInstance(instanceId: string): Promise<void>;
  /** Has the scaling group replace the instance without lowering its desired capacity. */
  replaceInstance(instanceId: string, mode: ReplaceMode): Promise<void>;
}
