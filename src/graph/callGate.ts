import { ConfigError, DestroyedError, SennError } from '../errors.js';

/**
 * Who may use a network now. One call at a time holds it (fit, a split, evaluate, …), and no
 * call starts while lighter reads (a selection, the parameters read back) run, which may
 * overlap each other; fit's `onEpoch` is lent the network for reads (predict, evaluate, save,
 * a selection); and destroy() waits for the call and the reads in flight to stop: freed under
 * them, their next submit would use destroyed buffers.
 */
export class CallGate {
  /** The call holding the network, by name, or null. */
  private busy: string | null = null;
  /** True while fit's onEpoch runs: reads may then run inside the fit. */
  private lent = false;
  /** Reads started while lent, which the lend waits for (an onEpoch may start one and not await it). */
  private readonly lentWork = new Set<Promise<unknown>>();
  /** Reads in flight (selections, parameters read back) by name, which may overlap each other. */
  private readonly reads = new Map<string, number>();
  private destroyRequested = false;

  constructor(
    /** Frees the network's GPU memory (once no call holds it). */
    private readonly release: () => void,
    private readonly isReleased: () => boolean,
    /** Whether the runtime under the network was destroyed. */
    private readonly runtimeDestroyed: () => boolean,
  ) {}

  /** Whether destroy() was called: a running fit stops before its next step. */
  get destroying(): boolean {
    return this.destroyRequested;
  }

  /** Free the network now, or when the call that holds it has stopped (once). */
  destroy(): void {
    this.destroyRequested = true;
    this.releaseIfIdle();
  }

  private releaseIfIdle(): void {
    if (this.destroyRequested && !this.busy && this.reads.size === 0 && !this.isReleased()) this.release();
  }

  /** Throw a DestroyedError once the network was destroyed. */
  assertUsable(): void {
    if (this.isReleased() || this.destroyRequested) throw new DestroyedError('this network was destroyed');
  }

  /** Throw unless the network is usable and neither a call (fit, a split, …) nor a read holds it. */
  assertFree(what: string): void {
    this.assertUsable();
    const running = this.busy ?? this.reads.keys().next().value ?? null;
    if (running) throw new ConfigError(`cannot ${what} while ${running} is running on this network`);
  }

  /** Run `body` as the one call holding the network (`what` names it in the refusal of others). */
  async exclusive<T>(what: string, body: () => Promise<T>): Promise<T> {
    this.assertFree(what);
    this.busy = what;
    try {
      return await body();
    } catch (error) {
      // The runtime destroyed under the call: Dawn's rejections then say nothing (an OperationError without a message).
      if (!(error instanceof SennError) && this.runtimeDestroyed()) throw new DestroyedError(`the senn runtime was destroyed during ${what}`);
      throw error;
    } finally {
      this.busy = null;
      this.releaseIfIdle();
    }
  }

  /**
   * Run `body`, a read (`what`: a selection, the parameters read back) that may overlap other
   * reads but no call, except from fit's `onEpoch`: a call may replace the buffers it reads
   * (growth does). destroy() waits for it as for a call.
   */
  async read<T>(what: string, body: () => Promise<T>): Promise<T> {
    this.assertUsable();
    if (this.busy && !this.lent) throw new ConfigError(`cannot ${what} while ${this.busy} is running on this network`);
    this.reads.set(what, (this.reads.get(what) ?? 0) + 1);
    return this.whileLent(async () => {
      try {
        return await body();
      } finally {
        const left = this.reads.get(what)! - 1;
        if (left > 0) this.reads.set(what, left);
        else this.reads.delete(what);
        this.releaseIfIdle();
      }
    });
  }

  /** Like {@link exclusive}, but also allowed from inside fit's `onEpoch` (reads only, one at a time). */
  async reading<T>(what: string, body: () => Promise<T>): Promise<T> {
    if (!this.lent) return this.exclusive(what, body);
    this.assertUsable();
    this.lent = false;
    return this.whileLent(async () => {
      try {
        return await body();
      } finally {
        this.lent = true;
      }
    });
  }

  /** Run `body` (fit's onEpoch) with the network lent to it; the reads it started end before the lend does. */
  async lend(body: () => unknown): Promise<void> {
    this.lent = true;
    try {
      await body();
    } finally {
      while (this.lentWork.size > 0) await Promise.allSettled([...this.lentWork]);
      this.lent = false;
    }
  }

  /** `work()`, counted as lent work where a call holds the network (so its lend waits for it). */
  private whileLent<T>(work: () => Promise<T>): Promise<T> {
    const run = work();
    if (!this.busy) return run;
    this.lentWork.add(run);
    const done = () => void this.lentWork.delete(run);
    run.then(done, done);
    return run;
  }
}
