// What the service needs from a cloud (the CloudDriver port), and the instance rows it
// hands back: the scaling group's members, which the registry is kept in step with.
import type { ReplaceMode } from "@hpc-fleet/fleet-contract";

/** The ECS tag the Pulumi program sets, through the scaling configuration, on every host. */
export { GENERATION_TAG, type ReplaceMode } from "@hpc-fleet/fleet-contract";

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

/** The scaling group's instances, reboot and replace. */
export interface CloudDriver {
  readonly name: string;
  /** Where its calls go (for the start-up log), when it talks to a remote API. */
  readonly endpoints?: Readonly<Record<string, string>>;
  listInstances(): Promise<CloudInstance[]>;
  rebootInstance(instanceId: string): Promise<void>;
  /** Has the scaling group replace the instance without lowering its desired capacity. */
  replaceInstance(instanceId: string, mode: ReplaceMode): Promise<void>;
}

/** What syncing the registry with the scaling group changed, by instance id. */
export interface InventoryChange {
  added: string[];
  archived: string[];
  restored: string[];
}
