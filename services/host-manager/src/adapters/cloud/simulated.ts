// An in-process scaling group for local runs and tests: instances i-sim-0001 upward,
// which the health check can reboot and replace like the real thing. By default both
// take no time (the tests' group); with `rebootMs` and `replaceDelayMs` they take as long
// as on ECS and ESS, measured on the injected clock (npm run host-manager's group):
// - RebootInstance: "Only instances in the Running state can be restarted"; the instance
//   is Stopping, then Starting, meanwhile, and a second reboot is refused with
//   IncorrectInstanceStatus (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-rebootinstance).
// - SetInstanceHealth Unhealthy / RemoveInstances: ESS takes the instance out (lifecycle
//   state Removing), then launches a new instance, with a new id, to keep the desired
//   capacity (https://www.alibabacloud.com/help/en/auto-scaling/user-guide/remove-unhealthy-ecs-instances).
import type { Clock } from "../../clock";
import type { CloudDriver, CloudInstance, RemovalAccepted, ReplaceMode } from "../../domain/cloud";

/** The id the simulated group gives its `n`th instance (from 1): i-sim-0001 upward. */

/** The simulated group spreads its instances over two zones, as a group over two vSwitches does. */
const SIM_ZONES = ["sim-zone-a", "sim-zone-b"] as const;
export const simInstanceId = (n: number): string => `i-sim-${String(n).padStart(4, "0")}`;

/** The private IP of the simulated group's `n`th instance, as its hosts must report it. */
export const simPrivateIp = (n: number): string => `10.0.${Math.floor(n / 250)}.${(n % 250) + 4}`;

/**
 * The `n`th instance's address when its hosts really send from it: a loopback alias
 * (all of 127.0.0.0/8 reaches this machine on Linux), never 127.0.0.1 itself, so each
 * simulated host has an address of its own, as the report-origin check requires.
 */
export const simLoopbackIp = (n: number): string => `127.1.${Math.floor(n / 250)}.${(n % 250) + 4}`;

export interface SimulatedEvent {
  at: number;
  action: "reboot" | "replace";
  instanceId: string;
  /** The new instance, once ESS has launched it. */
  replacement?: string;
}

/** Told of what happens to the machines, for the simulated hosts that run on them. */
export interface MachineObserver {
  launched(instance: CloudInstance): void;
  /** The instance is rebooting: its OS is down until `upAt`, then boots afresh. */
  rebooting(instanceId: string, upAt: number): void;
  removed(instanceId: string): void;
}

export interface SimulatedOptions {
  /** The generation tag of the first `size` instances; defaults to `launchGeneration`. */
  readonly initialGeneration?: string | null;
  /** The generation tag of instances launched later (the scaling configuration's). */
  readonly launchGeneration?: string | null;
  /** `vpc`: 10.0.x.y (default); `loopback`: simLoopbackIp, for hosts that really send. */
  readonly addresses?: "vpc" | "loopback";
  /** How long a reboot keeps the instance down. Defaults to 0. */
  readonly rebootMs?: number;
  /** How long from a replace to the new instance (the old one Removing meanwhile). Defaults to 0. */
  readonly replaceDelayMs?: number;
}

interface PendingReplacement {
  readonly at: number;
  readonly instanceId: string;
  readonly event: SimulatedEvent;
}

export class SimulatedCloud implements CloudDriver {
  readonly name = "simulated";
  readonly events: SimulatedEvent[] = [];
  /**
   * The scaling configuration's generation tag: every instance launched from now on
   * carries it, as ESS applies a changed configuration to new instances only. Tests set it.
   */
  generation: string | null;
  private readonly instances = new Map<string, CloudInstance>();
  /** Instances rebooting, and when they are Running again. */
  private readonly rebootingUntil = new Map<string, number>();
  private readonly replacements: PendingReplacement[] = [];
  private readonly observers: MachineObserver[] = [];
  private readonly addressOf: (n: number) => string;
  private nextNumber = 1;

  constructor(
    size: number,
    private readonly clock: Clock,
    private readonly options: SimulatedOptions = {},
  ) {
    const launchGeneration = options.launchGeneration ?? null;
    this.addressOf = options.addresses === "loopback" ? simLoopbackIp : simPrivateIp;
    this.generation =
      options.initialGeneration !== undefined ? options.initialGeneration : launchGeneration;
    for (let i = 0; i < size; i++) this.launch();
    this.generation = launchGeneration;
  }

  /** `observer` is told of every instance there is now, then of what happens next. */
  observe(observer: MachineObserver): void {
    this.settle();
    this.observers.push(observer);
    for (const instance of this.instances.values()) observer.launched({ ...instance });
  }

  /** Carries out what is due by now (reboots ending, replacements launching). */
  settle(): void {
    const now = this.clock.now();
    for (const [id, until] of this.rebootingUntil) {
      if (until <= now) this.rebootingUntil.delete(id);
    }
    while (this.replacements.length > 0 && this.replacements[0].at <= now) {
      const due = this.replacements.shift() as PendingReplacement;
      this.finishReplacement(due.instanceId, due.event);
    }
  }

  private launch(): CloudInstance {
    const number = this.nextNumber++;
    const instance: CloudInstance = {
      instanceId: simInstanceId(number),
      privateIp: this.addressOf(number),
      createdAt: this.clock.now(),
      lifecycleState: "InService",
      generation: this.generation,
      zone: SIM_ZONES[number % SIM_ZONES.length] as string,
    };
    this.instances.set(instance.instanceId, instance);
    for (const observer of this.observers) observer.launched({ ...instance });
    return instance;
  }

  async listInstances(): Promise<CloudInstance[]> {
    this.settle();
    return [...this.instances.values()].map((instance) => ({ ...instance }));
  }

  async rebootInstance(instanceId: string): Promise<void> {
    this.settle();
    this.require(instanceId);
    if (this.rebootingUntil.has(instanceId)) {
      // As the real driver presents ECS's refusal: with the status it read (Starting).
      throw Object.assign(
        new Error("The current status of the resource does not support this operation."),
        { code: "IncorrectInstanceStatus", statusCode: 403, instanceStatus: "Starting" },
      );
    }
    const now = this.clock.now();
    this.events.push({ at: now, action: "reboot", instanceId });
    const upAt = now + (this.options.rebootMs ?? 0);
    if (upAt > now) this.rebootingUntil.set(instanceId, upAt);
    for (const observer of this.observers) observer.rebooting(instanceId, upAt);
  }

  /** Both modes end the same way here: ESS drops the instance and launches a fresh one. */
  async replaceInstance(instanceId: string, _mode: ReplaceMode): Promise<void> {
    this.settle();
    const instance = this.require(instanceId);
    // Already on its way out (ESS has it Removing): nothing more happens.
    if (instance.lifecycleState === "Removing") return;
    const event: SimulatedEvent = { at: this.clock.now(), action: "replace", instanceId };
    this.events.push(event);
    const delay = this.options.replaceDelayMs ?? 0;
    if (delay <= 0) {
      this.finishReplacement(instanceId, event);
      return;
    }
    instance.lifecycleState = "Removing";
    this.replacements.push({ at: event.at + delay, instanceId, event });
  }

  /** ESS's batch removal: every instance is replaced, as by replaceInstance. */
  async removeInstances(
    instanceIds: readonly string[],
    _clientToken: string,
  ): Promise<RemovalAccepted> {
    this.settle();
    instanceIds.forEach((id) => this.require(id));
    for (const id of instanceIds) await this.replaceInstance(id, "remove");
    return { activityId: null };
  }

  private finishReplacement(instanceId: string, event: SimulatedEvent): void {
    this.instances.delete(instanceId);
    this.rebootingUntil.delete(instanceId);
    for (const observer of this.observers) observer.removed(instanceId);
    event.replacement = this.launch().instanceId;
  }

  private require(instanceId: string): CloudInstance {
    const instance = this.instances.get(instanceId);
    if (!instance) {
      throw Object.assign(new Error(`instance ${instanceId} is not in the scaling group`), {
        code: "InvalidInstanceId.NotFound",
        statusCode: 404,
      });
    }
    return instance;
  }
}
