// A host's load as its heartbeats report it, and when it counts as saturated: a load
// generator at its limit skews the benchmark it drives, so operators are shown it. It is
// never a reason to remediate (the ladder does not read it).
import { MAX_SATURATION_REPORTS } from "@hpc-fleet/fleet-contract";
import type { HostRecord, LOAD_FIELDS } from "./host";

/** What of a host record its load is read from. */
type LoadedHost = Pick<HostRecord, (typeof LOAD_FIELDS)[number] | "archivedAt">;

/** One heartbeat's load figures; null where the host could not read one. */
export interface LoadSample {
  at: number;
  cpuPercent: number | null;
  memoryAvailablePercent: number | null;
  clientCpuPercent: number | null;
  clientWorkingSetBytes: number | null;
}

/** What the API shows of a host's latest load. */
export type LoadFigures = Omit<LoadSample, "at">;

export interface SaturationSettings {
  /** CPU use at or above this (0-100) is saturation. */
  readonly cpuPercent: number;
  /** Available memory at or below this share of the total (0-100) is saturation. */
  readonly memoryAvailablePercent: number;
  /** How many reports in a row must be saturated: one busy minute is not a saturated host. */
  readonly reports: number;
}

/** The defaults: 90% CPU, 10% memory left, over 3 reports. */
export const DEFAULT_SATURATION: SaturationSettings = {
  cpuPercent: 90,
  memoryAvailablePercent: 10,
  reports: 3,
};

/** Samples kept per host, newest first; `reports` may not exceed it. */
export const LOAD_HISTORY_LENGTH = MAX_SATURATION_REPORTS;

/** Whether one sample is over a threshold (a figure the host did not send is not). */
export function isSaturatedSample(
  sample: Pick<LoadFigures, "cpuPercent" | "memoryAvailablePercent">,
  settings: SaturationSettings,
): boolean {
  return (
    (sample.cpuPercent !== null && sample.cpuPercent >= settings.cpuPercent) ||
    (sample.memoryAvailablePercent !== null &&
      sample.memoryAvailablePercent <= settings.memoryAvailablePercent)
  );
}

/** Saturated: the newest `settings.reports` samples (newest first) all are. */
export function isSaturated(
  newestFirst: readonly LoadFigures[],
  settings: SaturationSettings,
): boolean {
  if (newestFirst.length < settings.reports) return false;
  for (let i = 0; i < settings.reports; i++) {
    if (!isSaturatedSample(newestFirst[i], settings)) return false;
  }
  return true;
}

/** The latest report's load figures; null when it carried none. */
export function latestLoad(host: LoadedHost): LoadFigures | null {
  const { cpuPercent, memoryAvailablePercent, clientCpuPercent, clientWorkingSetBytes } = host;
  if (
    cpuPercent === null &&
    memoryAvailablePercent === null &&
    clientCpuPercent === null &&
    clientWorkingSetBytes === null
  ) {
    return null;
  }
  return { cpuPercent, memoryAvailablePercent, clientCpuPercent, clientWorkingSetBytes };
}

/** Saturated now: the latest report carried figures and the last few were all over a threshold. */
export function isHostSaturated(
  host: LoadedHost,
  loadHistory: readonly LoadFigures[],
  settings: SaturationSettings,
): boolean {
  return (
    host.archivedAt === null && latestLoad(host) !== null && isSaturated(loadHistory, settings)
  );
}
