// The network's graph drawn as columns of neurons (levels in evaluation order) joined by
// their connection blocks; a block's stroke gets fainter as it gets sparser. A pooling
// level's windows are a dashed grey band labelled "max" or "mean".
import type { Structure } from '../src/index.js';

const MAX_DOTS = 24;

export function drawStructure(canvas: HTMLCanvasElement, caption: HTMLElement, structure: Structure, newest: Set<number>): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const levels = structure.levels;
  const column = new Map(levels.map((l, i) => [l.id, i]));
  const x = (i: number) => 40 + (i * (width - 80)) / Math.max(1, levels.length - 1);
  const top = 20;
  const bottom = height - 36;
  const dotsOf = (size: number) => Math.min(size, MAX_DOTS);
  const y = (dot: number, dots: number) => (dots === 1 ? (top + bottom) / 2 : top + (dot * (bottom - top)) / (dots - 1));

  // Arcs first, then the levels, then the arcs' density labels, densest first, each only where
  // it does not cover one already written: a grown network has more blocks than its canvas has
  // room to label.
  const labels: { text: string; at: [number, number]; density: number }[] = [];
  const arc = (srcId: number, dstId: number, density: number, text: string, pooling: boolean) => {
    const from = column.get(srcId)!;
    const to = column.get(dstId)!;
    const x0 = x(from);
    const x1 = x(to);
    const mid = (top + bottom) / 2;
    // Neighbouring levels: a straight band; blocks that skip levels arc above them, higher
    // the more they skip (capped inside the canvas).
    const peak = to - from === 1 ? mid : Math.max(8, mid - 30 - (to - from - 2) * 14);
    ctx.strokeStyle = pooling ? 'rgba(91, 100, 117, 0.6)' : `rgba(47, 111, 222, ${0.15 + 0.6 * density})`;
    ctx.lineWidth = pooling ? 2 : 1 + 5 * density;
    ctx.setLineDash(pooling ? [4, 3] : []);
    ctx.beginPath();
    ctx.moveTo(x0, mid);
    ctx.bezierCurveTo(x0 + (x1 - x0) / 4, peak, x1 - (x1 - x0) / 4, peak, x1, mid);
    ctx.stroke();
    ctx.setLineDash([]);
    const labelY = to - from === 1 ? mid + 14 : peak + (mid - peak) / 4 - 3;
    labels.push({ text, at: [(x0 + x1) / 2, labelY], density });
  };
  for (const b of structure.blocks) {
    const density = b.topology.srcOf.length / (structure.level(b.src).size * structure.level(b.dst).size);
    arc(b.src, b.dst, density, `${(100 * density).toFixed(density < 0.1 ? 1 : 0)}%`, false);
  }
  // Pooling windows: labelled before any block's density (sorted first).
  for (const l of levels) if (l.pool) arc(l.pool.source, l.id, 2, l.pool.kind === 'max' ? 'max' : 'mean', true);

  levels.forEach((l, i) => {
    const dots = dotsOf(l.size);
    ctx.fillStyle = newest.has(l.id) ? '#1f9d55' : l.role === 'input' ? '#8a93a6' : l.role === 'output' ? '#d08a1a' : '#2f6fde';
    for (let d = 0; d < dots; d++) {
      ctx.beginPath();
      ctx.arc(x(i), y(d, dots), l.size > MAX_DOTS ? 2.5 : 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillStyle = '#1d2330';
    ctx.font = '12px system-ui';
    ctx.textAlign = 'center';
    ctx.fillText(String(l.size), x(i), height - 18);
    ctx.fillStyle = '#5b6475';
    ctx.font = '10px system-ui';
    ctx.fillText(l.role === 'hidden' ? (newest.has(l.id) ? 'grown' : l.pool ? 'pool' : 'hidden') : l.role, x(i), height - 5);
  });

  ctx.fillStyle = '#5b6475';
  ctx.font = '10px system-ui';
  ctx.textAlign = 'center';
  ctx.strokeStyle = 'white';
  ctx.lineWidth = 3;
  const written: [number, number, number, number][] = [];
  for (const { text, at } of labels.sort((a, b) => b.density - a.density)) {
    const half = ctx.measureText(text).width / 2 + 2;
    const box: [number, number, number, number] = [at[0] - half, at[1] - 10, at[0] + half, at[1] + 2];
    if (written.some((w) => box[0] < w[2] && w[0] < box[2] && box[1] < w[3] && w[1] < box[3])) continue;
    written.push(box);
    // Over the dots, on a white halo.
    ctx.strokeText(text, at[0], at[1]);
    ctx.fillText(text, at[0], at[1]);
  }
  canvas.dataset.labels = String(written.length);
  canvas.dataset.blocks = String(structure.blocks.length);

  caption.dataset.levels = String(levels.length);
  caption.dataset.edges = String(structure.edgeCount);
  caption.textContent = `${levels.length} levels (${structure.sizes.join(' → ')}), ${structure.edgeCount.toLocaleString('en-US')} edges, ${structure.parameterCount.toLocaleString('en-US')} parameters`;
}
