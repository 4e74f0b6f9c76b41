// An in-process scaling group for local runs and tests: instances i-sim-0001 upward,
// which the health check can reboot and replace like the real thing.
import type { Clock } from "../../clock";
import type { CloudDriver, CloudInstance, RemovalAccepted, ReplaceMode } from "../../domain/cloud";

/** The id the simulated group gives its `n`th instance (from 1): i-sim-0001 upward. */
export const simInstanceId = (n: number): string => `i-sim-${String(n).padStart(4, "0")}`;

/** The private IP of the simulated group's `n`th instance, as its hosts must report it. */
export const simPrivateIp = (n: number): string => `10.0.${Math.floor(n / 250)}.${(n % 250) + 4}`;

export interface SimulatedEvent {
  at: number;
  action: "reboot" | "replace";
  instanceId: string;
  replacement?: string;
}

export interface SimulatedOptions {
  /** The generation tag of the first `size` instances; defaults to `launchGeneration`. */
  readonly initialGeneration?: string | null;
  /** The generation tag of instances launched later (the scaling configuration's). */
  readonly launchGeneration?: string | null;
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
  private nextNumber = 1;

  constructor(
    size: number,
    private readonly clock: Clock,
    options: SimulatedOptions = {},
  ) {
    const launchGeneration = options.launchGeneration ?? null;
    this.generation =
      options.initialGeneration !== undefined ? options.initialGeneration : launchGeneration;
    for (let i = 0; i < size; i++) this.launch();
    this.generation = launchGeneration;
  }

  private launch(): CloudInstance {
    const number = this.nextNumber++;
    const instance: CloudInstance = {
      instanceId: simInstanceId(number),
      privateIp: simPrivateIp(number),
      createdAt: this.clock.now(),
      lifecycleState: "InService",
      generation: this.generation,
    };
    this.instances.set(instance.instanceId, instance);
    return instance;
  }

  async listInstances(): Promise<CloudInstance[]> {
    return [...this.instances.values()].map((instance) => ({ ...instance }));
  }

  async rebootInstance(instanceId: string): Promise<void> {
    this.require(instanceId);
    this.events.push({ at: this.clock.now(), action: "reboot", instanceId });
  }

  /** Both modes end the same way here: ESS drops the instance and launches a fresh one. */
  async replaceInstance(instanceId: string, _mode: ReplaceMode): Promise<void> {
    this.require(instanceId);
    this.instances.delete(instanceId);
    const replacement = this.launch();
    this.events.push({
      at: this.clock.now(),
      action: "replace",
      instanceId,
      replacement: replacement.instanceId,
    });
  }

  /** ESS's batch removal: every instance is replaced, as by replaceInstance. */
  async removeInstances(
    instanceIds: readonly string[],
    _clientToken: string,
  ): Promise<RemovalAccepted> {
    instanceIds.forEach((id) => this.require(id));
    for (const id of instanceIds) await this.replaceInstance(id, "remove");
    return { activityId: null };
  }

  private require(instanceId: string): void {
    if (!this.instances.has(instanceId)) {
      throw Object.assign(new Error(`instance ${instanceId} is not in the scaling group`), {
        code: "InvalidInstanceId.NotFound",
        statusCode: 404,
      });
    }
  }
}
