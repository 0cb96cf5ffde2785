// One training run of the demo: builds the network, runs fit with expansion, and lets the
// page pause, resume and stop it between epochs; and the run as a saved checkpoint records it.
import type { Activation, Connections, EpochReport, ExpandEvent, ExpansionOptions, LrSchedule, Network, PruneEvent, RunInfo, Runtime, WeightInit } from '../src/index.js';
import { type DemoData, isImageSet } from './data.js';

export interface RunSettings {
  sizes: number[];
  epochs: number;
  batch: number;
  lr: number;
  /** The optimizer without its rate (the "Optimizer" choice; `lr` is the rate). */
  optimizer: DemoOptimizer;
  /** Null: the constant rate. */
  schedule: LrSchedule | null;
  /** fit's maxGradNorm (gradient clipping); absent: none. */
  maxGradNorm?: number;
  /** fit's labelSmoothing; absent: none. */
  labelSmoothing?: number;
  /** fit's dropout; absent: none. */
  dropout?: number;
  /** fit's inputDropout; absent: none. */
  inputDropout?: number;
  /** fit's classWeights (the page offers balanced); absent: none. */
  classWeights?: 'balanced';
  /** How a new network's weights start (createNetwork's init); an opened network keeps its own. */
  init: WeightInit;
  /** A new network's hidden layers' activation (createNetwork's activations, the output's identity); an opened network keeps its own. */
  activation: Activation;
  seed: number;
  /** Pixels each training image may move each way (fit's `augment`); 0: none. */
  augmentShift: number;
  expansion: ExpansionOptions;
  /** The first blocks' starting edges (a locally connected layer, a convolution, its pooling); absent: complete. */
  firstLayers?: Connections[];
}

/** The optimizers the page offers: fit's, without the rate. */
export type DemoOptimizer = { name: 'adam' } | { name: 'adamw' } | { name: 'sgd'; momentum: number; nesterov: boolean };

export interface SessionEvents {
  /** After each epoch; the network may be read (predict) while this runs. */
  epoch(report: EpochReport, net: Network): Promise<void>;
  expand(event: ExpandEvent): void;
  prune(event: PruneEvent): void;
}

export class Session {
  private paused = false;
  /** Aborted by stop(): fit ends after the epoch in progress. */
  private readonly stopping = new AbortController();
  private wake: (() => void) | null = null;
  /** Resolves the promise of a pause() once the run holds at an epoch boundary. */
  private held: (() => void) | null = null;
  /** While fit runs, destroy() waits for it to end: the epoch in progress still uses the network. */
  private running = false;
  private destroyWhenDone = false;
  net: Network | null = null;

  constructor(
    private readonly runtime: Runtime,
    private readonly events: SessionEvents,
  ) {}

  /**
   * Train to the end (or until stopped); resolves with how it ended. `opened`: a network to
   * go on training (the session then owns it), else a new one of `s.sizes`.
   */
  async run(data: DemoData, s: RunSettings, opened?: Network): Promise<'finished' | 'stopped'> {
    // Every layer may grow but a pooling one: the output (as the reference) and the hidden
    // levels (a convolution's splitting its shared weights as shared weights).
    const layers = s.firstLayers ?? [];
    const expandable = s.sizes.map((_, i) => i).filter((i) => i > 0 && !layers[i - 1]?.pool);
    // One name: the network leaves a pooling level identity, as senn train --activation does.
    const net = opened ?? this.runtime.createNetwork({ sizes: s.sizes, seed: s.seed, init: s.init, activations: s.activation, expandable, ...(layers.length ? { connections: layers } : {}) });
    this.net = net;
    this.running = true;
    // Once stopped, the epoch in progress still ends, but the page (reset) no longer shows it.
    const live = () => !this.stopping.signal.aborted;
    try {
      await net.fit(data.train, {
        signal: this.stopping.signal,
        loss: data.task === 'regression' ? 'mse' : 'softmax-cross-entropy',
        optimizer: { ...s.optimizer, lr: s.lr },
        ...(s.schedule ? { schedule: s.schedule } : {}),
        ...(s.maxGradNorm ? { maxGradNorm: s.maxGradNorm } : {}),
        ...(s.labelSmoothing ? { labelSmoothing: s.labelSmoothing } : {}),
        ...(s.classWeights ? { classWeights: s.classWeights } : {}),
        ...(s.dropout ? { dropout: s.dropout } : {}),
        ...(s.inputDropout ? { inputDropout: s.inputDropout } : {}),
        batchSize: s.batch,
        epochs: s.epochs,
        validation: data.validation,
        seed: s.seed,
        ...(s.augmentShift ? { augment: { shift: s.augmentShift } } : {}),
        expansion: { ...s.expansion, onExpand: (e) => void (live() && this.events.expand(e)), onPrune: (e) => void (live() && this.events.prune(e)) },
        onEpoch: async (report) => {
          if (live()) await this.events.epoch(report, net);
          await this.gate();
        },
      });
      return this.stopping.signal.aborted ? 'stopped' : 'finished';
    } finally {
      this.running = false;
      this.releaseHeld();
      if (this.destroyWhenDone) this.destroy();
    }
  }

  private releaseHeld(): void {
    this.held?.();
    this.held = null;
  }

  /** Between epochs: wait while paused (and not stopped). */
  private async gate(): Promise<void> {
    while (this.paused && !this.stopping.signal.aborted) {
      this.releaseHeld();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
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
    this.stopping.abort();
    this.wake?.();
  }

  /** Free the network's GPU memory, at once or, while a run is under way, when it has ended (call stop() first). */
  destroy(): void {
    if (this.running) {
      this.destroyWhenDone = true;
      return;
    }
    this.net?.destroy();
    this.net = null;
  }
}

/**
 * The run as `senn train` describes it in its checkpoints (the dataset's name and task, the
 * training arguments), so the saved file works with `senn info`, `senn eval FILE` (on the
 * dataset's test split) and `senn train --resume FILE`. An image set's run also keeps the rows
 * it picked, a generated set's its count (in the recipe, `generatedRows`), and both the epochs
 * they set out to train after the network's `first`: resumed in Node such a run trains on the
 * page's rows, and goes on as planned where it was saved before its last epoch. A CSV run goes
 * on in Node on the whole file (the page's first rows are not what `senn train` reads), as a
 * run of its own.
 */
export function runDescription(data: DemoData, s: RunSettings, first: number): RunInfo {
  const images = isImageSet(data.recipe.dataset);
  const rows = data.trainRows === undefined ? {} : { trainRows: data.trainRows };
  const clip = { ...(s.maxGradNorm ? { maxGradNorm: s.maxGradNorm } : {}), ...(s.labelSmoothing ? { labelSmoothing: s.labelSmoothing } : {}), ...(s.classWeights ? { classWeights: s.classWeights } : {}), ...(s.dropout ? { dropout: s.dropout } : {}), ...(s.inputDropout ? { inputDropout: s.inputDropout } : {}) };
  return {
    data: data.recipe,
    args: { dataset: data.recipe.dataset, batch: s.batch, lr: s.lr, ...optimizerArgs(s.optimizer), schedule: s.schedule, ...clip, init: s.init, ...(s.activation === 'relu' ? {} : { activation: s.activation }), seed: s.seed, valFraction: 0.2, ...rows, augmentShift: s.augmentShift, expansion: s.expansion },
    ...(images || data.plane ? { plan: { first, last: first + s.epochs } } : {}),
  };
}

/** The optimizer as `senn train`'s arguments name it (--optimizer, --momentum, --nesterov), for `--resume`. */
export function optimizerArgs(o: DemoOptimizer): { optimizer: string; momentum: number; nesterov: boolean } {
  return o.name === 'sgd' ? { optimizer: 'sgd', momentum: o.momentum, nesterov: o.nesterov } : { optimizer: o.name, momentum: 0, nesterov: false };
}
