// Keeps a Statuspage component's status and incident in line with the fleet, after each
// cycle: PATCH /v1/pages/{page}/components/{id} when the status changes; POST
// /v1/pages/{page}/incidents when the storm guard opens or the fleet is frozen; PATCH
// /v1/pages/{page}/incidents/{id} `resolved` when that clears (or the condition changes).
// See https://developer.statuspage.io/#tag/components and #tag/incidents. Like the
// metrics push it never holds up the health check: it runs in the background, paced by
// the shared RequestPacer, and what failed is tried again after the next cycle.
import type { Logger } from "pino";
import type { StatuspageConfig } from "../adapters/env/config";
import type { ComponentStatus, FleetCondition } from "./fleet-condition";
import type { IncidentStore } from "./incident-store";
import type { RequestPacer } from "./pacer";
import { statuspageRequest, type RequestOutcome, type StatuspageAnswer } from "./request";

export interface StatusPushOptions {
  readonly config: StatuspageConfig & { readonly componentId: string };
  readonly incidents: IncidentStore;
  readonly pacer: RequestPacer;
  readonly logger: Logger;
  /** Wall-clock time, for when an incident was opened. */
  readonly now: () => number;
  /** Abandon a request after this long. Defaults to 10000. */
  readonly timeoutMs?: number;
  /** Called after every request, for the Prometheus counters. */
  readonly onAttempt?: (request: "component" | "incident", outcome: RequestOutcome) => void;
}

export class StatuspageStatusPusher {
  private wanted: FleetCondition | undefined;
  /** What Statuspage was last told of the component; undefined until told once by this process. */
  private shown: ComponentStatus | undefined;
  private running: Promise<void> | undefined;
  private readonly closing = new AbortController();

  constructor(private readonly options: StatusPushOptions) {}

  /** Asks for `condition` to be shown; starts the requests in the background, never throws. */
  show(condition: FleetCondition): void {
    this.wanted = condition;
    this.running ??= this.sync().finally(() => (this.running = undefined));
  }

  /** Resolves once no update is in flight (tests, and stop). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closing.abort();
  }

  /** One pass towards the wanted condition; a failed step waits for the next cycle's call. */
  private async sync(): Promise<void> {
    const condition = this.wanted;
    if (condition === undefined) return;
    const { incidents, config } = this.options;
    const componentId = config.componentId;
    const open = incidents.open();
    const wantedKind = condition.incident?.kind;
    if (open && open.kind !== wantedKind) {
      const answer = await this.request(
        "incident",
        "PATCH",
        `/incidents/${encodeURIComponent(open.id)}`,
        {
          incident: { status: "resolved", components: { [componentId]: condition.component } },
        },
      );
      // Gone (resolved or deleted by a person): nothing left to resolve either.
      if (answer.outcome === "ok" || answer.status === 404) {
        incidents.resolved();
        if (answer.outcome === "ok") this.shown = condition.component;
      } else return;
    }
    if (condition.incident && incidents.open() === null) {
      const adopted = await this.findOpen(condition.incident.name, componentId);
      if (adopted === undefined) return;
      if (adopted !== null) {
        incidents.opened({
          id: adopted,
          kind: condition.incident.kind,
          openedAt: this.options.now(),
        });
      }
    }
    if (condition.incident && incidents.open() === null) {
      const { name, status, body } = condition.incident;
      const answer = await this.request("incident", "POST", "/incidents", {
        incident: {
          name,
          status,
          body,
          component_ids: [componentId],
          components: { [componentId]: condition.component },
        },
      });
      const id = (answer.body as { id?: unknown } | undefined)?.id;
      if (answer.outcome !== "ok" || typeof id !== "string") return;
      incidents.opened({ id, kind: condition.incident.kind, openedAt: this.options.now() });
      this.shown = condition.component;
    }
    if (this.shown !== condition.component) {
      const answer = await this.request(
        "component",
        "PATCH",
        `/components/${encodeURIComponent(componentId)}`,
        { component: { status: condition.component } },
      );
      if (answer.outcome === "ok") this.shown = condition.component;
    }
    // A later cycle asked for something else meanwhile: go again (its own pass).
    if (this.wanted !== condition && !this.closing.signal.aborted) await this.sync();
  }

  /**
   * The id of an unresolved incident named `name` on `componentId`; null when there is
   * none, or when the key may not list incidents (then a duplicate is the lesser harm);
   * undefined when Statuspage did not answer (try again after the next cycle).
   */
  private async findOpen(name: string, componentId: string): Promise<string | null | undefined> {
    const answer = await this.request("incident", "GET", "/incidents/unresolved", undefined);
    if (answer.outcome === "error") return undefined;
    if (answer.outcome === "dropped" || !Array.isArray(answer.body)) return null;
    const found = (answer.body as unknown[]).find((incident) => {
      const { name: named, components } = (incident ?? {}) as {
        name?: unknown;
        components?: unknown;
      };
      return (
        named === name &&
        Array.isArray(components) &&
        components.some((c) => (c as { id?: unknown } | null)?.id === componentId)
      );
    }) as { id?: unknown } | undefined;
    return typeof found?.id === "string" ? found.id : null;
  }

  private async request(
    kind: "component" | "incident",
    method: "GET" | "POST" | "PATCH",
    path: string,
    body: unknown,
  ): Promise<StatuspageAnswer> {
    const { config, logger } = this.options;
    await this.options.pacer.turn();
    if (this.closing.signal.aborted) return { outcome: "error", error: "closed" };
    const answer = await statuspageRequest(
      config,
      method,
      path,
      body,
      AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 10_000), this.closing.signal]),
    );
    this.options.onAttempt?.(kind, answer.outcome);
    if (answer.outcome !== "ok") {
      // The path and status only: the request's headers hold the API key.
      logger[answer.outcome === "error" ? "warn" : "error"](
        { status: answer.status, err: answer.error, request: `${method} ${path}` },
        answer.outcome === "error"
          ? `statuspage ${kind} update failed; retrying after the next cycle`
          : `statuspage refused the ${kind} update (check the page id, component id and API key)`,
      );
    }
    return answer;
  }
}
