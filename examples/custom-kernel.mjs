// A kernel of your own on senn's buffers: the gradient's signal-to-noise ratio of every edge
// (custom-metric.mjs's metric) computed on the GPU in WGSL, from the running statistics the
// training epoch left (net.edgeStats: Σ|g|, Σg, Σg² per parameter), checked against the same
// formula on the CPU, then used to pick the edges to split. senn reflects the WGSL with
// wgsl_reflect: bindings are bound by name and the uniform is packed by member name, so the
// TypeScript side cannot drift from the shader.
//
//   npm run build && node examples/custom-kernel.mjs
import { createNodeRuntime, prepare, spirals, storageBuffer, storageIndex, submitDispatches } from 'senn/node';

// Bindings: params (uniform: count, batches), stats (3 floats a parameter), scores (one a parameter).
// Dispatch: one invocation per parameter, workgroups of 64 along x.
const SNR_WGSL = /* wgsl */ `
struct Params { count: u32, batches: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> scores: array<f32>;

@compute @workgroup_size(64)
fn snr(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= params.count) { return; }
  let mean = stats[3u * i + 1u] / params.batches;
  let variance = max(stats[3u * i + 2u] / params.batches - mean * mean, 1e-12);
  scores[i] = abs(mean) / sqrt(variance);
}`;

const runtime = await createNodeRuntime();
const net = runtime.createNetwork({ sizes: [2, 12, 2], seed: 0 });
const train = spirals({ rows: 2000, seed: 1 });
const validation = spirals({ rows: 500, seed: 2 });
// The dispatches' uniform buffers and the scores belong to this owner (destroyed at the end).
const owner = runtime.gpu.memory.owner('custom-kernel');
const recorder = { kernels: runtime.kernels, device: runtime.gpu.device, owner };
const kernel = await runtime.kernels.get({ file: 'examples/custom-kernel.mjs', source: SNR_WGSL, entryPoint: 'snr' });

const rounds = Number(process.env.ROUNDS ?? 3);
for (let round = 1; round <= rounds; round++) {
  const reports = await net.fit(train, { epochs: 4, batchSize: 50, optimizer: { name: 'adam', lr: 0.01 }, validation, edgeStatistics: true });
  const count = net.structure.floats;
  const batches = net.statisticsBatches;
  const scores = storageBuffer(runtime.gpu.device, owner, 'snr.scores', count * 4);
  submitDispatches(runtime.gpu.device, [prepare(recorder, kernel, { count, batches }, { stats: net.edgeStats, scores: scores.buffer }, kernel.groupsFor1D(count))]);
  const onGpu = await runtime.gpu.readFloats(scores.buffer, 0, count);
  scores.destroy();

  // Each edge into the outputs, its GPU score and the CPU's from the raw statistics.
  const output = net.structure.output.id;
  const scored = [];
  let worst = 0;
  for (const { block, sum, sumSq } of await net.readEdgeStatistics(output)) {
    const b = net.structure.blocks[block];
    sum.forEach((s, edge) => {
      const mean = s / batches;
      const cpu = Math.abs(mean) / Math.sqrt(Math.max(sumSq[edge] / batches - mean * mean, 1e-12));
      const gpu = onGpu[b.weightOffset + storageIndex(b, edge)];
      worst = Math.max(worst, Math.abs(gpu - cpu) / Math.max(cpu, 1e-6));
      scored.push({ block, edge, snr: gpu });
    });
  }
  scored.sort((a, b) => b.snr - a.snr);
  const split = await net.splitEdges(output, scored.slice(0, 4).map(({ block, edge }) => ({ block, edge })));
  const last = reports[reports.length - 1];
  console.log(
    `round ${round}: val_acc ${(100 * last.valAccuracy).toFixed(1)}%, ${scored.length} edges scored on the GPU (largest relative difference from the CPU ${worst.toExponential(1)}), ` +
      `split ${split.edgesSplit} → ${net.parameterCount} params, arch ${net.structure.sizes.join('-')}`,
  );
}
owner.destroy();
net.destroy();
runtime.destroy();
process.exit(0);
