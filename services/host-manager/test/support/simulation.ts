// End-to-end simulations on an accelerated clock: the service with the real Alibaba
// Cloud driver against a fake ECS/ESS, and simulated hosts that heartbeat over the HTTP
// API every few minutes once booted, until they go silent. A cycle runs every 5 minutes.
import { createService, type Service } from "../../src/service";
import { fakeDriver } from "./driver";
import { FakeAlicloud, type FakeInstance } from "./fake-alicloud";
import { MINUTE, report, silentLogger, T0, tempDir, testConfig, TOKEN, VIEWER } from "./fixtures";
import { ManualClock } from "./manual-clock";

export const HEARTBEAT_MINUTES = 3;
const CYCLE_MINUTES = 5;

export interface SimHost {
  readonly instance: FakeInstance;
  /** Minute from which the host reports; Infinity while it is down. */
  upFrom: number;
  /** Minute from which it is silent; Infinity while it keeps reporting. */
  silentFrom: number;
  /** Minute offset of its heartbeats, so hosts do not all report together. */
  readonly phase: number;
}

export class FleetSimulation<H extends SimHost = SimHost> {
  readonly clock = new ManualClock(T0);
  readonly fake = new FakeAlicloud();
  /** Every host ever launched, by instance id; the tests add them (fake.onLaunch). */
  readonly hosts = new Map<string, H>();
  private readonly dir = tempDir();
  private endpoint: string | undefined;
  private current: Service | undefined;

  constructor() {
    this.fake.now = () => this.clock.now();
    this.fake.ecsPageSize = 100;
  }

  get service(): Service {
    if (!this.current) throw new Error("the simulation's service is not running");
    return this.current;
  }

  /** Simulated minutes since T0. */
  minute(): number {
    return (this.clock.now() - T0) / MINUTE;
  }

  /** Hosts still in the scaling group. */
  inGroup(): H[] {
    return [...this.hosts.values()].filter((h) => this.fake.instances.has(h.instance.instanceId));
  }

  /** Starts the fake cloud (once) and the service on it, which lists the group first. */
  async startService(env: Record<string, string> = {}): Promise<Service> {
    this.endpoint ??= await this.fake.start();
    this.current = createService({
      config: testConfig(this.dir.path, env),
      clock: this.clock,
      cloud: fakeDriver(this.endpoint),
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
    });
    if (!this.current.operators.byName(VIEWER.name)) {
      this.current.operators.addWithToken(VIEWER.name, "viewer", VIEWER.token, T0);
    }
    await this.current.inventory.refresh();
    return this.current;
  }

  async stopService(): Promise<void> {
    await this.current?.stop();
    this.current = undefined;
  }

  /**
   * Moves on a minute at a time until `endMinute` (or `until` holds): the hosts due
   * report, every fifth minute a cycle runs, then `afterMinute` looks.
   */
  async runUntil(
    endMinute: number,
    options: {
      until?: () => boolean;
      afterMinute?: (minute: number, cycled: boolean) => void;
    } = {},
  ): Promise<void> {
    while (this.minute() < endMinute && !options.until?.()) {
      this.clock.advanceMinutes(1);
      await this.deliverReports();
      const cycled = this.minute() % CYCLE_MINUTES === 0;
      if (cycled) await this.service.healthCheck.run();
      options.afterMinute?.(this.minute(), cycled);
    }
  }

  async close(): Promise<void> {
    await this.stopService();
    await this.fake.stop();
    this.dir.remove();
  }

  /** Every host that is up and due reports now, concurrently, through the API. */
  private async deliverReports(): Promise<void> {
    const now = this.minute();
    const due = this.inGroup().filter(
      (h) => now >= h.upFrom && now < h.silentFrom && (now - h.phase) % HEARTBEAT_MINUTES === 0,
    );
    const responses = await Promise.all(
      due.map((h) =>
        this.service.app.inject({
          method: "POST",
          url: "/rpc/v1/status",
          headers: { authorization: `Bearer ${TOKEN}` },
          // From the host's own address, as the service requires of a report.
          remoteAddress: h.instance.privateIp ?? undefined,
          payload: report(h.instance.instanceId, {
            privateIp: h.instance.privateIp,
            status: now - h.upFrom < 1 ? 1 : 2,
          }),
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode !== 200).map((r) => r.body)).toEqual([]);
  }
}
