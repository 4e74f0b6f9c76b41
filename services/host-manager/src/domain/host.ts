// A host as the service knows it: what the scaling group says of the instance, what
// its last report said, and where the remediation ladder has got to with it.
import type { HostReport } from "@hpc-fleet/fleet-contract";

export {
  HostStatus,
  STATUS_NAMES,
  type HostReport,
  type HostStatusCode,
} from "@hpc-fleet/fleet-contract";

export type RemediationState = "none" | "rebooting" | "replacing" | "failed";

export interface HostRecord {
  instanceId: string;
  cloudPrivateIp: string | null;
  lifecycleState: string | null;
  cloudCreatedAt: number;
  firstSeenAt: number;
  archivedAt: number | null;
  status: number;
  statusSince: number;
  lastReportAt: number | null;
  privateIp: string | null;
  mac: string | null;
  logicalCpus: number | null;
  physicalCpus: number | null;
  clientVersion: string | null;
  hostname: string | null;
  remediationState: RemediationState;
  remediationAttempts: number;
  lastRemediationAt: number | null;
  /** The instance's generation tag (what it was built from); null when untagged. */
  generation: string | null;
  /** The instance's zone, as the cloud last listed it; null when not known. */
  zone: string | null;
  /** When a rollout had ESS replace this outdated host; null if it never did. */
  rolloutReplacedAt: number | null;
  /** The spot interruption notice's release time, once reported (kept: see spot.ts). */
  spotTerminationAt: number | null;
  /** The latest report's load figures (load.ts); null where it sent none. */
  cpuPercent: number | null;
  memoryAvailablePercent: number | null;
  clientCpuPercent: number | null;
  clientWorkingSetBytes: number | null;
  version: number;
}

/**
 * What a host's health and state are judged from (see fleet-state.ts). A list, not only
 * a type, so the registry can read just these for a fleet-wide count.
 */
export const HOST_STATE_FIELDS = [
  "lifecycleState",
  "archivedAt",
  "rolloutReplacedAt",
  "remediationState",
  "status",
  "lastReportAt",
  "cloudCreatedAt",
  "statusSince",
  "spotTerminationAt",
] as const satisfies readonly (keyof HostRecord)[];

export type HostStateFields = Pick<HostRecord, (typeof HOST_STATE_FIELDS)[number]>;

/** A report's load figures, kept as the latest on the record and in the load history. */
export const LOAD_FIELDS = [
  "cpuPercent",
  "memoryAvailablePercent",
  "clientCpuPercent",
  "clientWorkingSetBytes",
] as const satisfies readonly (keyof HostReport & keyof HostRecord)[];

/** What a host report writes besides its status, under the same names in both. */
export const REPORTED_FIELDS = [
  "privateIp",
  "mac",
  "logicalCpus",
  "physicalCpus",
  "clientVersion",
  "hostname",
  ...LOAD_FIELDS,
] as const satisfies readonly (keyof HostReport & keyof HostRecord)[];

/**
 * The record's details that no health-check decision uses: a cycle over 10,000 hosts
 * reads the record without them (half the columns).
 */
export const REPORT_DETAIL_FIELDS = [
  "cloudPrivateIp",
  "firstSeenAt",
  ...REPORTED_FIELDS,
] as const satisfies readonly (keyof HostRecord)[];

/** What the health check reads of a host. */
export type CycleHost = Omit<HostRecord, (typeof REPORT_DETAIL_FIELDS)[number]>;

/** One entry of a host's remediation history. */
export interface RemediationEvent {
  instanceId: string;
  at: number;
  action: string;
  outcome: string;
  reason: string | null;
  detail: string | null;
}
