// One training run of the demo: builds the network, runs fit with expansion, and lets the
// page pause, resume and stop it between epochs.
import type { EpochReport, ExpandEvent, ExpansionOptions, Network, PruneEvent, Runtime } from '../src/index.js';
import type { DemoData } from './data.js';

export interface RunSettings {
  sizes: number[];
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  expansion: ExpansionOptions;
}

export interface SessionEvents {
  /** After each epoch; the network may be read (predict) while this runs. */
  epoch(report: EpochReport, net: Network): Promise<void>;
  expand(event: ExpandEvent): void;
  prune(event: PruneEvent): void;
}

/** Thrown out of onEpoch to end a run early; caught by {@link Session.run}. */
class Stopped extends Error {}

export class Session {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** Resolves the promise of a pause() once the run holds at an epoch boundary. */
  private held: (() => void) | null = null;
  net: Network | null = null;

  constructor(
    private readonly runtime: Runtime,
    private readonly events: SessionEvents,
  ) {}

  /** Train to the end (or until stopped); resolves with how it ended. */
  async run(data: DemoData, s: RunSettings): Promise<'finished' | 'stopped'> {
    // Every layer may grow: the output (as the reference) and the hidden levels.
    const expandable = s.sizes.map((_, i) => i).slice(1);
    const net = this.runtime.createNetwork({ sizes: s.sizes, seed: s.seed, expandable });
    this.net = net;
    try {
      await net.fit(data.train, {
        loss: data.task === 'regression' ? 'mse' : 'softmax-cross-entropy',
        optimizer: { name: 'adam', lr: s.lr },
        batchSize: s.batch,
        epochs: s.epochs,
        validation: data.validation,
        seed: s.seed,
        expansion: { ...s.expansion, onExpand: (e) => this.events.expand(e), onPrune: (e) => this.events.prune(e) },
        onEpoch: async (report) => {
          await this.events.epoch(report, net);
          await this.gate();
        },
      });
      return 'finished';
    } catch (error) {
      if (error instanceof Stopped) return 'stopped';
      throw error;
    } finally {
      this.releaseHeld();
    }
  }

  private releaseHeld(): void {
    this.held?.();
    this.held = null;
  }

  /** Between epochs: wait while paused, end the run when stopped. */
  private async gate(): Promise<void> {
    while (this.paused && !this.stopped) {
      this.releaseHeld();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.stopped) throw new Stopped('stopped');
  }

  /**
   * Hold the run at the next epoch boundary; resolves once it holds there (the epoch under way
   * finishes first) or the run has ended.
   */
  pause(): Promise<void> {
    this.paused = true;
    return new Promise<void>((resolve) => (this.held = resolve));
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  /** End the run at the next epoch boundary and free the network's GPU memory. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  destroy(): void {
    this.net?.destroy();
    this.net = null;
  }
}
