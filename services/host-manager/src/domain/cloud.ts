// What the service needs from a cloud (the CloudDriver port), and the instance rows it
// hands back: the scaling group's members, which the registry is kept in step with.
import type { ReplaceMode } from "@hpc-fleet/fleet-contract";

/** The ECS tag the Pulumi program sets, through the scaling configuration, on every host. */
export { GENERATION_TAG, type ReplaceMode } from "@hpc-fleet/fleet-contract";

/**
 * The most instance ids one RemoveInstances takes: InstanceId.N, N from 1 to 20
 * (https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/api-ess-2014-08-28-removeinstances;
 * Terraform caps its instance_ids at MaxItems 20, resource_alicloud_ess_attachment.go:50-56).
 */
export const REMOVE_BATCH = 20;

export interface CloudInstance {
  instanceId: string;
  privateIp: string | null;
  /** Milliseconds since the epoch, from the cloud's creation time. */
  createdAt: number;
  /** ESS lifecycle state (InService, Pending, Removing, ...); null when the cloud has none. */
  lifecycleState: string | null;
  /** The instance's `hpc-fleet-generation` tag: what it was built from; null when untagged. */
  generation: string | null;
  /**
   * ECS has locked the instance for release as a reclaimed spot instance (OperationLocks
   * LockReason `Recycling`): a spot notice from the cloud's side (domain/spot.ts), for a
   * host too busy or too far gone to report its own. Absent: the cloud does not say.
   */
  recycling?: boolean;
  /** The instance's zone (DescribeInstances ZoneId). Absent: the cloud does not say. */
  zone?: string | null;
}

/** What of a CloudInstance the registry keeps as the instance's own columns. */
export type CloudColumnFields = Exclude<keyof CloudInstance, "recycling" | "zone">;

/**
 * What a failed cloud call means for the host and the call: `cannot-reboot` (ECS refused
 * because of this host's own state: it will not reboot), `restarting` (it is starting or
 * stopping already, a reboot under way), `gone` (the instance is not there), `busy` (the
 * group cannot take the change now, may later), `unknown` (no answer: the call may have
 * been carried out), `refused` (it was not: any other API error, or an answer that is not
 * the API's). `alert`: the fault is on the caller's side (permissions, keys, signature,
 * clock) or in between, and someone should look.
 */
export interface CallFailure {
  readonly kind: "cannot-reboot" | "restarting" | "gone" | "busy" | "unknown" | "refused";
  readonly alert: boolean;
  readonly message: string;
}

/** ESS's answer to an accepted RemoveInstances. */
export interface RemovalAccepted {
  /** The scaling activity ESS started; null if it named none. */
  readonly activityId: string | null;
}

/** How a listing may be cut short: an aborted one stops before its next call. */
export interface ListOptions {
  readonly signal?: AbortSignal;
}

/** The scaling group's instances, reboot and replace. */
export interface CloudDriver {
  readonly name: string;
  /** Where its calls go (for the start-up log), when it talks to a remote API. */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** Every instance of the group, or an error: never a part of it. */
  listInstances(options?: ListOptions): Promise<CloudInstance[]>;
  rebootInstance(instanceId: string): Promise<void>;
  /** Has the scaling group replace the instance without lowering its desired capacity. */
  replaceInstance(instanceId: string, mode: ReplaceMode): Promise<void>;
  /**
   * ESS RemoveInstances for up to REMOVE_BATCH instances at once, desired capacity kept
   * (ESS launches their replacements). `clientToken` makes a resent request the same
   * request. Absent: the health check removes one at a time with replaceInstance.
   */
  removeInstances?(instanceIds: readonly string[], clientToken: string): Promise<RemovalAccepted>;
}

/** What syncing the registry with the scaling group changed, by instance id. */
export interface InventoryChange {
  added: string[];
  archived: string[];
  restored: string[];
}
