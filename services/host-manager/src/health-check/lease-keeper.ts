// One active host-manager per database. At start a manager takes the lease in the
// database (or finds it held) and renews it every third of its time to live; while
// another holds it, this one is passive: it serves the views, takes no reports and
// runs no health check. It takes over once the holder has stopped renewing for a whole
// time to live, as its own monotonic clock measures, or at once when the holder
// released the lease on a clean stop.
//
// Why a beat watched on the monotonic clock rather than the stored expiry: the two
// managers may run on different hosts, whose wall clocks need not agree, and either
// clock may step; an unchanged beat for ttl of one's own elapsed time means the same
// thing everywhere. The active one fences itself: once ttl - renewal interval has passed
// without a renewal (before any passive one can have seen a full ttl without a beat), it
// renews before it acts, and steps down if it cannot.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { LeaseStore } from "../adapters/storage/lease";
import type { Clock, MonotonicClock } from "../clock";

export type Role = "active" | "passive";

/** What the views say about the lease: this manager's part and who holds it. */
export interface LeaseFacts {
  readonly role: Role;
  /** The holder's id (this manager's when active); null when nobody holds it. */
  readonly holder: string | null;
  /** Until when the holder's last renewal runs (its wall clock); null when unheld. */
  readonly expiresAt: number | null;
}

export interface LeaseKeeperOptions {
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly monotonic: MonotonicClock;
  readonly logger: Logger;
  /** Defaults to host name, pid and a random suffix. */
  readonly holder?: string;
  /** Defaults to 30 s. */
  readonly ttlMs?: number;
  /** Told when this manager becomes active or passive. */
  readonly onChange?: (role: Role) => void;
}

export class LeaseKeeper {
  readonly holder: string;
  readonly ttlMs: number;
  /** How often the lease is renewed, or looked at while passive. */
  readonly intervalMs: number;
  private role: Role = "passive";
  private lastRenewedAt = -Infinity;
  private seenBeat: number | null = null;
  private seenBeatAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.holder = options.holder ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.intervalMs = Math.max(1, Math.floor(this.ttlMs / 3));
  }

  /** Looks at the lease now, then every interval. */
  start(): void {
    if (this.timer) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops looking; an active manager releases the lease so that another takes it at once. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.role !== "active") return;
    try {
      this.options.store.release(this.holder, this.options.clock.now());
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, "could not release the lease");
    }
    this.become("passive", "stopped");
  }

  /**
   * Active, with a renewal recent enough that no other manager can have taken over. When
   * the last one is too old (the timer ran late: a paused process, a blocked loop), the
   * lease is renewed now, before saying yes: a renewal that fails means it was taken.
   */
  isActive(): boolean {
    if (this.role !== "active") return false;
    if (this.fresh()) return true;
    return this.poll() === "active" && this.fresh();
  }

  facts(): LeaseFacts {
    if (this.role === "active" && this.fresh()) {
      return {
        role: "active",
        holder: this.holder,
        expiresAt: this.options.clock.now() + this.validForMs(),
      };
    }
    const row = this.readQuietly();
    return {
      role: "passive",
      holder: row?.holder ?? null,
      expiresAt: row?.holder ? row.expiresAt : null,
    };
  }

  /** One look at the lease: renew it, or watch it and take it over. Returns the role. */
  poll(): Role {
    const { store, clock } = this.options;
    const now = clock.now();
    const elapsed = this.elapsed();
    try {
      if (this.role === "active") {
        if (store.renew(this.holder, now, this.ttlMs)) {
          this.lastRenewedAt = elapsed;
        } else {
          this.become("passive", "another manager holds the lease");
        }
        return this.role;
      }
      const row = store.read();
      if (row && row.holder !== null && row.holder !== this.holder) {
        if (row.beat !== this.seenBeat) {
          this.seenBeat = row.beat;
          this.seenBeatAt = elapsed;
          return this.role;
        }
        if (elapsed - this.seenBeatAt < this.ttlMs) return this.role;
      }
      const observed = row && row.holder !== null ? row.beat : null;
      if (store.take(this.holder, now, this.ttlMs, observed)) {
        this.lastRenewedAt = elapsed;
        this.become("active", row?.holder ? `took over from ${row.holder}` : "lease free");
      }
    } catch (error) {
      this.options.logger.error({ err: String(error) }, "lease: database error");
      // Unable to renew for too long: stop acting before anyone else may start.
      if (this.role === "active" && !this.fresh()) this.become("passive", "cannot renew");
    }
    return this.role;
  }

  private validForMs(): number {
    return this.ttlMs - this.intervalMs;
  }

  private fresh(): boolean {
    return this.elapsed() - this.lastRenewedAt < this.validForMs();
  }

  private elapsed(): number {
    return this.options.monotonic.monotonicMs();
  }

  private readQuietly() {
    try {
      return this.options.store.read();
    } catch {
      return undefined;
    }
  }

  private become(role: Role, why: string): void {
    if (role === this.role) return;
    this.role = role;
    const log = role === "active" ? "this host-manager is active" : "this host-manager is passive";
    this.options.logger.warn({ holder: this.holder, why }, log);
    this.options.onChange?.(role);
  }
}
