// The host record as the rest of the service sees it.

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
  /** When a rollout had ESS replace this outdated host; null if it never did. */
  rolloutReplacedAt: number | null;
  version: number;
}

/** What a host's health and state are judged from (see health/fleet-state.ts). */
export type HostStateFields = Pick<
  HostRecord,
  | "lifecycleState"
  | "archivedAt"
  | "rolloutReplacedAt"
  | "remediationState"
  | "status"
  | "lastReportAt"
  | "cloudCreatedAt"
  | "statusSince"
>;

/**
 * What the health check reads of a host: the record without the details of its last
 * report, which no decision uses (a cycle over 10,000 hosts reads half the columns).
 */
export type CycleHost = Omit<
  HostRecord,
  | "cloudPrivateIp"
  | "firstSeenAt"
  | "privateIp"
  | "mac"
  | "logicalCpus"
  | "physicalCpus"
  | "clientVersion"
  | "hostname"
>;

export interface RemediationEvent {
  instanceId: string;
  at: number;
  action: string;
  outcome: string;
  reason: string | null;
  detail: string | null;
}
