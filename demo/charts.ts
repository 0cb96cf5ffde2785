// Live line charts (uPlot) with the growth moments drawn as vertical markers.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Marker {
  epoch: number;
  kind: 'expand' | 'prune';
}

const COLORS = { expand: '#1f9d55', prune: '#d64545' };

/** A chart of several series over epochs that redraws as epochs arrive. */
export class EpochChart {
  private readonly plot: uPlot;
  private readonly columns: number[][];

  constructor(
    private readonly host: HTMLElement,
    series: { label: string; stroke: string }[],
    private readonly markers: Marker[],
    yLabel: string,
  ) {
    this.columns = [[], ...series.map(() => [])];
    const drawMarkers = (u: uPlot) => {
      const ctx = u.ctx;
      ctx.save();
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      for (const m of this.markers) {
        const x = u.valToPos(m.epoch, 'x', true);
        if (!Number.isFinite(x)) continue;
        ctx.strokeStyle = COLORS[m.kind];
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
      }
      ctx.restore();
    };
    this.plot = new uPlot(
      {
        width: Math.max(280, host.clientWidth - 16),
        height: 200,
        scales: { x: { time: false } },
        // Whole epochs on the x axis (uPlot's default steps put ticks at 1.5 of a 2-epoch run).
        axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label: yLabel, size: 60 }],
        series: [{ label: 'epoch' }, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } }))],
        // Away from the cursor the legend shows the last epoch's values, not dashes.
        hooks: { draw: [drawMarkers], setCursor: [(u) => u.cursor.idx == null && this.showLatest(u)] },
      },
      this.columns as uPlot.AlignedData,
      host,
    );
  }

  /** Append one epoch's values (NaN values are left as gaps). */
  push(epoch: number, values: number[]): void {
    this.columns[0]!.push(epoch);
    values.forEach((v, i) => this.columns[i + 1]!.push(v));
    this.plot.setData(this.columns as uPlot.AlignedData);
    this.showLatest(this.plot);
    this.host.dataset.points = String(this.columns[0]!.length);
    this.host.dataset.expansions = String(this.markers.filter((m) => m.kind === 'expand').length);
    this.host.dataset.prunes = String(this.markers.filter((m) => m.kind === 'prune').length);
  }

  /** The legend at the last epoch (while the cursor is not over the chart). */
  private showLatest(u: uPlot): void {
    const n = this.columns[0]!.length;
    if (n > 0 && u.cursor.idx == null) u.setLegend({ idx: n - 1 }, false);
  }

  /** Redraw (after a marker was added). */
  redraw(): void {
    this.plot.redraw(false, false);
  }

  clear(): void {
    for (const c of this.columns) c.length = 0;
    this.plot.setData(this.columns as uPlot.AlignedData);
    this.host.dataset.points = '0';
    this.host.dataset.expansions = '0';
    this.host.dataset.prunes = '0';
  }
}
