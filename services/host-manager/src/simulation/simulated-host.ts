// One simulated Windows host on a simulated machine: after each boot it reports starting,
// then running, every heartbeat, until its plan has it fail; a reboot takes it down for
// as long as the cloud says, then it boots afresh (healed or not, as planned).
import { HostStatus, type HostReport } from "@hpc-fleet/fleet-contract";
import { HEALTHY, type HostPlan } from "./host-plan";

export class SimulatedHost {
  /** When the OS last came up (or comes up, while rebooting). */
  private bootedAt: number;
  private nextReportAt: number;
  private reportsSinceBoot = 0;
  /** Reboots the cloud has put it through. */
  reboots = 0;

  constructor(
    readonly instanceId: string,
    readonly privateIp: string,
    /** Its ordinal in the simulation, for a MAC and a host name of its own. */
    private readonly ordinal: number,
    public plan: HostPlan,
    bootedAt: number,
    /** When it first reports: spreads the fleet's heartbeats over the interval. */
    firstReportAt: number,
  ) {
    this.bootedAt = bootedAt;
    this.nextReportAt = firstReportAt;
  }

  /** The machine reboots now: down until `upAt`, when it reports as it boots. */
  rebooting(upAt: number): void {
    this.reboots += 1;
    this.bootedAt = upAt;
    this.nextReportAt = upAt;
    this.reportsSinceBoot = 0;
    if (this.plan.healsOnReboot) this.plan = HEALTHY;
  }

  /** From now on it fails as `plan` says, counted from now rather than from its boot. */
  failFrom(now: number, plan: HostPlan): void {
    this.plan = { ...plan, failAfterMs: now - this.bootedAt + plan.failAfterMs };
  }

  /** The report it sends at `now`, if a heartbeat is due and it sends one at all. */
  due(now: number, heartbeatMs: number): HostReport | undefined {
    if (now < this.nextReportAt) return undefined;
    // The next heartbeat on its own beat, however late this tick is.
    const missed = Math.floor((now - this.nextReportAt) / heartbeatMs) + 1;
    this.nextReportAt += missed * heartbeatMs;
    const status = this.status(now);
    if (status === undefined) return undefined;
    this.reportsSinceBoot += 1;
    return this.report(status);
  }

  /** What it reports at `now`; undefined when it is silent. */
  private status(now: number): number | undefined {
    const failing = this.plan.failure !== null && now - this.bootedAt >= this.plan.failAfterMs;
    if (failing) {
      switch (this.plan.failure) {
        case "never-reports":
        case "goes-silent":
          return undefined;
        case "client-exited":
          return HostStatus.clientExited;
        case "client-failed":
          return HostStatus.clientFailed;
        case "stuck-starting":
          return HostStatus.starting;
      }
    }
    // The client is started by the first report after boot, running from the next.
    return this.reportsSinceBoot === 0 ? HostStatus.starting : HostStatus.running;
  }

  private report(status: number): HostReport {
    const n = this.ordinal;
    const hex = (v: number) => (v & 0xff).toString(16).padStart(2, "0");
    return {
      instanceId: this.instanceId,
      privateIp: this.privateIp,
      // 00:16:3e is Alibaba Cloud's OUI, as on its ECS network interfaces.
      mac: `00:16:3e:${hex(n >> 16)}:${hex(n >> 8)}:${hex(n)}`,
      status,
      logicalCpus: 8,
      physicalCpus: 4,
      clientVersion: "sim-1.0.0",
      hostname: `hpc-sim-${String(n).padStart(4, "0")}`,
    };
  }
}
