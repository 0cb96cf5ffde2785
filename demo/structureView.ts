// The network's graph drawn as columns of neurons (levels in evaluation order). A small network
// (every level at most EDGE_VIEW_NEURONS neurons, at most MAX_EDGES edges, no pooling) is drawn edge by
// edge, each a curve from its source neuron to its destination coloured by its weight's sign and
// as strong as its magnitude, so a split's ε edges show as faint threads until training grows
// them or a prune takes them. A larger one is drawn block by block: each connection block a band
// whose stroke gets fainter as it gets sparser, and a pooling level's windows a dashed grey band
// labelled "max" or "mean".
import { type Structure, storageIndex } from '../src/index.js';

/** Dots a level of the block view shows at most (a larger level: that many, smaller). */
const MAX_DOTS = 24;
/** The edge view's limits: a dot for every neuron, a curve for every edge. */
const EDGE_VIEW_NEURONS = 64;
const MAX_EDGES = 2000;

/** Whether `structure` is drawn edge by edge (see the file's header): then its parameters are worth reading for the view. */
export function drawsEdges(structure: Structure): boolean {
  return structure.edgeCount <= MAX_EDGES && structure.levels.every((l) => l.size <= EDGE_VIEW_NEURONS && !l.pool);
}

/**
 * Draw `structure` on `canvas` and describe it in `caption`; `newest` are the levels grown in
 * this run. `params` (the network's flat parameters) draws a small network edge by edge (see
 * {@link drawsEdges}); without them every network is drawn block by block.
 */
export function drawStructure(canvas: HTMLCanvasElement, caption: HTMLElement, structure: Structure, newest: Set<number>, params?: Float32Array): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const levels = structure.levels;
  const column = new Map(levels.map((l, i) => [l.id, i]));
  const x = (i: number) => 40 + (i * (width - 80)) / Math.max(1, levels.length - 1);
  const top = 20;
  const bottom = height - 36;
  const edgeView = params !== undefined && drawsEdges(structure);
  const dotsOf = (size: number) => (edgeView ? size : Math.min(size, MAX_DOTS));
  const y = (dot: number, dots: number) => (dots === 1 ? (top + bottom) / 2 : top + (dot * (bottom - top)) / (dots - 1));

  canvas.dataset.view = edgeView ? 'edges' : 'blocks';
  if (edgeView) drawEdges(ctx, structure, params, (level, neuron) => [x(column.get(level)!), y(neuron, dotsOf(structure.level(level).size))]);

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
  for (const b of edgeView ? [] : structure.blocks) {
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
  const legend = edgeView ? '; edges blue where the weight is positive, orange where negative, stronger the larger' : '';
  caption.textContent = `${levels.length} levels (${structure.sizes.join(' → ')}), ${structure.edgeCount.toLocaleString('en-US')} edges, ${structure.parameterCount.toLocaleString('en-US')} parameters${legend}`;
}

/**
 * Every edge of `structure` as a curve from its source neuron to its destination (`at` gives a
 * neuron's position), weakest first so the strong ones lie on top; the counts by sign go into
 * the canvas's dataset (`edgesDrawn`, `positive`, `negative`) for the tests.
 */
function drawEdges(ctx: CanvasRenderingContext2D, structure: Structure, params: Float32Array, at: (level: number, neuron: number) => [number, number]): void {
  const edges: { from: [number, number]; to: [number, number]; w: number }[] = [];
  for (const b of structure.blocks) {
    const t = b.topology;
    for (let e = 0; e < t.srcOf.length; e++) {
      edges.push({ from: at(b.src, t.srcOf[e]!), to: at(b.dst, t.dstOf[e]!), w: params[b.weightOffset + storageIndex(b, e)]! });
    }
  }
  const largest = edges.reduce((m, e) => Math.max(m, Math.abs(e.w)), 0) || 1;
  edges.sort((a, b) => Math.abs(a.w) - Math.abs(b.w));
  for (const { from, to, w } of edges) {
    const strength = Math.abs(w) / largest;
    ctx.strokeStyle = w >= 0 ? `rgba(47, 111, 222, ${0.06 + 0.74 * strength})` : `rgba(214, 104, 38, ${0.06 + 0.74 * strength})`;
    ctx.lineWidth = 0.5 + 2.5 * strength;
    // Level to level with horizontal ends, so a skip over levels passes between their neurons' rows.
    const bend = (to[0] - from[0]) / 2;
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.bezierCurveTo(from[0] + bend, from[1], to[0] - bend, to[1], to[0], to[1]);
    ctx.stroke();
  }
  const { dataset } = ctx.canvas;
  dataset.edgesDrawn = String(edges.length);
  dataset.positive = String(edges.filter((e) => e.w > 0).length);
  dataset.negative = String(edges.filter((e) => e.w < 0).length);
}
