import type { EpochReport, TrainProgress } from '../train/options.js';

/** Writes training progress: a redrawn bar on a terminal, nothing between epoch lines otherwise. */
export class ProgressView {
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly interactive = Boolean(process.stderr.isTTY),
  ) {}

  /** Redraw the bar of the running epoch (terminal only). */
  update(p: TrainProgress): void {
    if (!this.interactive) return;
    const width = 24;
    const done = Math.round((width * p.step) / p.steps);
    const rate = p.seconds > 0 ? p.samples / p.seconds : 0;
    const line =
      `epoch ${p.epoch}/${p.epochs} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${String(Math.round((100 * p.step) / p.steps)).padStart(3)}%  ` +
      `${Math.round(rate).toLocaleString('en-US')} samples/s  loss ${p.loss.toFixed(4)}`;
    this.stream.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Clear the bar before a full line is printed. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** One line per epoch, for terminals and logs alike. */
export function formatEpoch(r: EpochReport, regression: boolean, samplesPerSecond: number, showLr = false): string {
  const quality = regression ? `val_rmse ${Math.sqrt(r.valLoss).toFixed(4)}` : `val_acc ${(100 * r.valAccuracy).toFixed(2)}%`;
  return (
    `epoch ${String(r.epoch).padStart(3)}  loss ${r.trainLoss.toFixed(4)}  val_loss ${r.valLoss.toFixed(4)}  ${quality}  ` +
    `params ${r.params}  ${showLr ? `lr ${r.lr.toPrecision(3)}  ` : ''}` +
    (r.gradNorm === undefined ? '' : `grad_norm ${r.gradNorm.toPrecision(3)}${r.clippedSteps ? ` (${r.clippedSteps} clipped)` : ''}  `) +
    `${r.seconds.toFixed(2)}s  ${Math.round(samplesPerSecond)} samples/s` +
    (r.architecture.length > 3 || r.expanded || r.pruned ? `  arch ${r.architecture.join('-')}` : '')
  );
}
