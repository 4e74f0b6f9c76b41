// Hosts long-polling for a task, by instance id: a poll waits until its host is offered a
// task (the job store says so after its commit) or its bounded wait ends. Real time, not
// the service's clock: the wait is how long an HTTP request is held open.
export class HostWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves when `instanceId` is woken or after `ms`, whichever is first. */
  wait(instanceId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiting.get(instanceId) ?? new Set<() => void>();
      this.waiting.set(instanceId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(instanceId) === set) this.waiting.delete(instanceId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  wake(instanceIds: readonly string[]): void {
    for (const id of instanceIds) {
      const set = this.waiting.get(id);
      if (set) for (const done of [...set]) done();
    }
  }

  wakeAll(): void {
    for (const set of [...this.waiting.values()]) for (const done of [...set]) done();
  }

  /** Polls waiting now (for tests and metrics). */
  count(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
