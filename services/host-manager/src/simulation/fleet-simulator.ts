// The simulated fleet: a SimulatedHost on every machine of the simulated scaling group,
// each reporting on its own heartbeat through `send` (over HTTP, to the service's own
// report route), rebooted and replaced by the health check through the cloud. The
// first hosts fail as planFleet deals them; hosts launched later (replacements) come up
// fresh and healthy. Time is the injected clock's; tick() is driven by start() in a
// local run and by hand in tests.
import type { HostReport } from "@hpc-fleet/fleet-contract";
import type { Clock } from "../clock";
import type { CloudInstance } from "../domain/cloud";
import type { MachineObserver, SimulatedCloud } from "../adapters/cloud/simulated";
import { HEALTHY, planFleet, type FailureMode, type HostPlan } from "./host-plan";
import { seededRandom, type Random } from "./random";
import { SimulatedHost } from "./simulated-host";

/** Sends one report; resolves to the HTTP status, or 0 when no answer came. */
export type ReportSender = (report: HostReport) => Promise<number>;

export interface SimulationSettings {
  /** Every host reports once per heartbeat. */
  readonly heartbeatMs: number;
  /** Share of the first hosts (0 to 1) that fail. */
  readonly failureShare: number;
  /** Share of the failing hosts (0 to 1) that one reboot heals. */
  readonly rebootHealsShare: number;
  /** Hosts that fail while running do so within this long of boot; defaults to 10 heartbeats. */
  readonly onsetWindowMs?: number;
  /** Hosts running well that start to fail later, fleet-wide, per hour: a fleet that lives on. */
  readonly failuresPerHour?: number;
  readonly seed: number;
}

/** The ways a host that ran well fails later (the others fail from boot). */
const LATER_FAILURES: readonly FailureMode[] = ["goes-silent", "client-exited", "client-failed"];

export class FleetSimulator implements MachineObserver {
  /** The hosts on the group's machines now, by instance id. */
  readonly hosts = new Map<string, SimulatedHost>();
  /** How many reports got each HTTP status (0: no answer). */
  readonly answers = new Map<number, number>();
  private readonly random: Random;
  /** The machines there when the simulation began, before their plans are dealt. */
  private firstMachines: CloudInstance[] | undefined = [];
  private ordinal = 0;
  private lastTickAt: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly cloud: SimulatedCloud,
    private readonly clock: Clock,
    private readonly settings: SimulationSettings,
    private readonly send: ReportSender,
  ) {
    this.random = seededRandom(settings.seed);
    cloud.observe(this);
    const first = this.firstMachines ?? [];
    this.firstMachines = undefined;
    const plans = planFleet(first.length, this.random, {
      failureShare: settings.failureShare,
      rebootHealsShare: settings.rebootHealsShare,
      onsetWindowMs: settings.onsetWindowMs ?? 10 * settings.heartbeatMs,
    });
    const now = clock.now();
    this.lastTickAt = now;
    first.forEach((machine, i) => {
      this.addHost(machine, plans[i], now + Math.floor(this.random() * settings.heartbeatMs));
    });
  }

  launched(instance: CloudInstance): void {
    if (this.firstMachines) {
      this.firstMachines.push(instance);
      return;
    }
    // A replacement: a new machine, a fresh install, a client that works.
    this.addHost(instance, HEALTHY, instance.createdAt);
  }

  rebooting(instanceId: string, upAt: number): void {
    this.hosts.get(instanceId)?.rebooting(upAt);
  }

  removed(instanceId: string): void {
    this.hosts.delete(instanceId);
  }

  /** Has a host fail now in `failure`'s way (a reboot heals it): for the detection bench. */
  fail(instanceId: string, failure: FailureMode): void {
    const plan: HostPlan = { failure, failAfterMs: 0, healsOnReboot: true };
    this.hosts.get(instanceId)?.failFrom(this.clock.now(), plan);
  }

  /** Every host whose heartbeat is due reports now, concurrently. */
  async tick(): Promise<void> {
    this.cloud.settle();
    const now = this.clock.now();
    this.failSome(now - this.lastTickAt);
    this.lastTickAt = now;
    const reports: HostReport[] = [];
    for (const host of this.hosts.values()) {
      const report = host.due(now, this.settings.heartbeatMs);
      if (report) reports.push(report);
    }
    const statuses = await Promise.all(reports.map((r) => this.send(r).catch(() => 0)));
    for (const status of statuses) this.answers.set(status, (this.answers.get(status) ?? 0) + 1);
  }

  /** Ticks every `intervalMs` of real time (a tick still running is not joined). */
  start(intervalMs = 1_000): void {
    this.timer = setInterval(() => {
      if (this.inFlight) return;
      this.inFlight = this.tick().finally(() => (this.inFlight = undefined));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Over `elapsedMs`, as many new failures as failuresPerHour makes likely (at most one a tick). */
  private failSome(elapsedMs: number): void {
    const rate = this.settings.failuresPerHour ?? 0;
    if (rate <= 0 || elapsedMs <= 0 || this.random() >= (rate * elapsedMs) / 3_600_000) return;
    const healthy = [...this.hosts.values()].filter((h) => h.plan.failure === null);
    if (healthy.length === 0) return;
    const host = healthy[Math.floor(this.random() * healthy.length)];
    host.failFrom(this.clock.now(), {
      failure: LATER_FAILURES[Math.floor(this.random() * LATER_FAILURES.length)],
      failAfterMs: 0,
      healsOnReboot: this.random() < this.settings.rebootHealsShare,
    });
  }

  private addHost(instance: CloudInstance, plan: HostPlan, firstReportAt: number): void {
    this.ordinal += 1;
    const ip = instance.privateIp ?? "";
    this.hosts.set(
      instance.instanceId,
      new SimulatedHost(
        instance.instanceId,
        ip,
        this.ordinal,
        plan,
        instance.createdAt,
        firstReportAt,
      ),
    );
  }
}
