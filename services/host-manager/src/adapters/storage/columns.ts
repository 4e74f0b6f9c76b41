// The columns of the hosts and remediation_events tables, each written once against the
// domain field it holds. The store's select lists, bindings and row decoding are built
// from these maps, so a new column is added here (and in a migration) and nowhere else:
// a HostRecord field without a column does not compile, and a test holds the maps to
// the schema the migrations build.
import type { CloudColumnFields } from "../../domain/cloud";
import { REPORT_DETAIL_FIELDS, type HostRecord, type RemediationEvent } from "../../domain/host";

type HostField = keyof HostRecord;

export const HOST_COLUMNS: { readonly [F in HostField]-?: string } = {
  instanceId: "instance_id",
  cloudPrivateIp: "cloud_private_ip",
  lifecycleState: "lifecycle_state",
  cloudCreatedAt: "cloud_created_at",
  firstSeenAt: "first_seen_at",
  archivedAt: "archived_at",
  status: "status",
  statusSince: "status_since",
  lastReportAt: "last_report_at",
  privateIp: "private_ip",
  mac: "mac",
  logicalCpus: "logical_cpus",
  physicalCpus: "physical_cpus",
  clientVersion: "client_version",
  hostname: "hostname",
  remediationState: "remediation_state",
  remediationAttempts: "remediation_attempts",
  lastRemediationAt: "last_remediation_at",
  generation: "generation",
  zone: "zone_id",
  rolloutReplacedAt: "rollout_replaced_at",
  spotTerminationAt: "spot_termination_at",
  cpuPercent: "cpu_percent",
  memoryAvailablePercent: "memory_available_percent",
  clientCpuPercent: "client_cpu_percent",
  clientWorkingSetBytes: "client_working_set_bytes",
  version: "version",
};

/** The record without the report's details: what a health-check cycle reads. */
export const CYCLE_HOST_FIELDS = (Object.keys(HOST_COLUMNS) as HostField[]).filter(
  (field) => !(REPORT_DETAIL_FIELDS as readonly HostField[]).includes(field),
);

/** Where each CloudInstance field is kept: the scaling group's side of a host record. */
export const CLOUD_COLUMNS: { readonly [F in CloudColumnFields]-?: string } = {
  instanceId: HOST_COLUMNS.instanceId,
  privateIp: HOST_COLUMNS.cloudPrivateIp,
  createdAt: HOST_COLUMNS.cloudCreatedAt,
  lifecycleState: HOST_COLUMNS.lifecycleState,
  generation: HOST_COLUMNS.generation,
};

/**
 * The cloud's fields an inventory sync follows as they change. Not the creation time:
 * it is set once, as an undated instance counts as created when first seen.
 */
export const FOLLOWED_CLOUD_FIELDS = [
  "privateIp",
  "lifecycleState",
  "generation",
] as const satisfies readonly CloudColumnFields[];

/** What a step of the remediation ladder writes. */
export const REMEDIATION_FIELDS = [
  "remediationState",
  "remediationAttempts",
  "lastRemediationAt",
] as const satisfies readonly HostField[];

export const EVENT_COLUMNS: { readonly [F in keyof RemediationEvent]-?: string } = {
  instanceId: "instance_id",
  at: "at",
  action: "action",
  outcome: "outcome",
  reason: "reason",
  detail: "detail",
};

type Columns<F extends string> = { readonly [K in F]: string };

const fieldsOf = <F extends string>(columns: Columns<F>) => Object.keys(columns) as F[];

/** `column AS field, ...` (no alias where they match): rows come back keyed by field. */
export function selectList<F extends string>(
  columns: Columns<F>,
  fields: readonly F[] = fieldsOf(columns),
): string {
  return fields
    .map((field) => (columns[field] === field ? field : `${columns[field]} AS ${field}`))
    .join(", ");
}

/** `column, ...` and `@field, ...`: an INSERT's two lists, bound from an object by field. */
export function insertLists<F extends string>(
  columns: Columns<F>,
  fields: readonly F[] = fieldsOf(columns),
): { columns: string; values: string } {
  return {
    columns: fields.map((field) => columns[field]).join(", "),
    values: fields.map((field) => `@${field}`).join(", "),
  };
}

/** `column = @field, ...`: an UPDATE's assignments, bound from an object by field. */
export function assignments<F extends string>(columns: Columns<F>, fields: readonly F[]): string {
  return fields.map((field) => `${columns[field]} = @${field}`).join(", ");
}
