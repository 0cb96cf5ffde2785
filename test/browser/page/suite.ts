// Runs inside headless Chromium against the browser build (/senn.js): a representative set
// of the kernel checks of the Node suite, on the browser's own WebGPU adapter.
import {
  type Activation,
  advanceStep,
  buildCsr,
  CheckpointError,
  ConfigError,
  classificationDataset,
  columnWords,
  createRuntime,
  csrBuffers,
  DatasetError,
  dropout,
  dropoutKeep,
  dropoutScale,
  type CsrBlock,
  edgeGrad,
  edgeGradParts,
  edgeGradParts32,
  edgePartFloats,
  epochKey,
  partFloats32,
  fusedTail,
  gatherEpoch,
  localConnections,
  loss,
  OutOfMemoryError,
  matmul,
  Random,
  reference,
  type Runtime,
  ShapeError,
  shiftImages,
  spirals,
  spmm,
  spmmTransposeColumns,
  storageBuffer,
  submitDispatches,
  toColumns,
  update,
  uploadStorage,
  weightsBySource,
} from '/senn.js';
import { csvDataset, parseCsv } from '/csv.js';
import { networkToOnnx } from '/onnx.js';
import { type GrowingRun, growingRun } from './growingRun.js';

interface Check {
  name: string;
  relative: number;
  tolerance: number;
}

const results: Check[] = [];
/** What the page leaves for the test: its checks, and the grown network's ONNX model with the rows and outputs to hold it to. */
const state = window as unknown as { __senn: { done: boolean; error?: string; adapter?: string; results: Check[]; onnx?: { model: number[]; x: number[]; rows: number; features: number; outputs: number[] } } };
state.__senn = { done: false, results };

function rel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-30;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

function rand(rng: Random, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** A random CSR block dst ← src, each edge present with probability `density`. */
function randomBlock(rng: Random, dst: number, src: number, density: number): CsrBlock {
  const d: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < dst; i++) for (let j = 0; j < src; j++) if (rng.next() < density) (d.push(i), s.push(j));
  return buildCsr(dst, src, d, s).block;
}

async function kernelChecks(rt: Runtime): Promise<void> {
  const device = rt.gpu.device;
  const owner = rt.gpu.memory.owner('browser-suite');
  const rec = { kernels: rt.kernels, device, owner };
  const input = (a: Float32Array | Uint32Array) => uploadStorage(device, owner, 'in', a).buffer;
  const output = (n: number) => storageBuffer(device, owner, 'out', n * 4).buffer;
  const rng = new Random(1);

  for (const [m, n, k, tl, tr] of [
    [65, 17, 130, false, false],
    [100, 33, 257, true, false],
    [37, 70, 19, false, true],
  ] as const) {
    const a = rand(rng, m * k);
    const b = rand(rng, k * n);
    const out = output(m * n);
    submitDispatches(device, [await matmul(rec, { m, n, k, lhs: input(a), rhs: input(b), out, transLhs: tl, transRhs: tr })]);
    const got = await rt.gpu.readFloats(out, 0, m * n);
    results.push({ name: `matmul ${m}x${n}x${k} ${tl}/${tr}`, relative: rel(got, reference.matmulRef(a, b, m, n, k, tl, tr)), tolerance: 1e-5 });
  }

  for (const act of ['relu', 'tanh'] as Activation[]) {
    const [m, n, k] = [50, 30, 40];
    const x = rand(rng, m * k);
    const w = rand(rng, k * n, -0.3, 0.3);
    const bias = rand(rng, n);
    const out = output(m * n);
    submitDispatches(device, [
      await matmul(rec, { m, n, k, lhs: input(x), rhs: input(w), bias: input(bias), out, epilogue: 'bias-activation', activation: act }),
    ]);
    const want = reference.denseForwardRef(x, w, bias, m, n, k, act);
    results.push({ name: `forward ${act}`, relative: rel(await rt.gpu.readFloats(out, 0, m * n), want), tolerance: 1e-5 });
  }

  {
    const [rows, classes] = [300, 10];
    const logits = rand(rng, rows * classes, -4, 4);
    const labels = Uint32Array.from({ length: rows }, () => rng.int(classes));
    const grad = output(rows * classes);
    const stats = output(4);
    submitDispatches(device, [
      await loss(rec, { entry: 'softmax_xent', rows, classes, logits: input(logits), labels: input(labels), grad, writeGrad: true, stats }),
    ]);
    const want = reference.softmaxXentRef(logits, labels, rows, classes);
    results.push({ name: 'softmax_xent gradient', relative: rel(await rt.gpu.readFloats(grad, 0, rows * classes), want.grad), tolerance: 1e-5 });
    const s = await rt.gpu.readFloats(stats, 0, 4);
    results.push({ name: 'softmax_xent loss sum', relative: Math.abs(s[0]! - want.lossSum) / want.lossSum, tolerance: 1e-5 });
  }

  {
    const count = 500;
    const p0 = rand(rng, count);
    const g = rand(rng, count);
    const param = input(p0);
    const counter = output(4);
    const hyper = { lr: 0.01 };
    submitDispatches(device, [
      await advanceStep(rec, { hyper, counter }),
      await update(rec, { rule: 'adam', count, hyper, counter, param, grad: input(g), moment1: output(count), moment2: output(count) }),
    ]);
    const p = Float64Array.from(p0);
    reference.adamRef(p, g, { step: 0, m: new Float64Array(count), v: new Float64Array(count) }, hyper);
    results.push({ name: 'adam step', relative: rel(await rt.gpu.readFloats(param, 0, count), p), tolerance: 1e-5 });
  }

  {
    // A CSR block out of u8 inputs, read as byte columns that gather_columns wrote (unpack4x8unorm
    // at scale 1/255 under Tint's bounds clamps): forward and weight gradient against the CPU.
    const [rows, src, dst] = [37, 40, 9];
    const block = randomBlock(rng, dst, src, 0.3);
    const edges = block.srcOf.length;
    const bytes = Uint8Array.from({ length: rows * src }, () => (rng.next() < 0.5 ? 0 : rng.int(256)));
    const scale = 1 / 255;
    const x = Float32Array.from(bytes, (b) => Math.fround(b * Math.fround(scale)));
    const words = columnWords(rows);
    const columns = output(src * words);
    const order = input(Uint32Array.from({ length: rows }, (_, r) => r));
    const { dispatches } = await gatherEpoch(rec, { source: 'u8', features: src, rowWords: src / 4, scale, columnWords: words, slots: [{ rows, start: 0 }], order, data: input(new Uint32Array(bytes.buffer)), out: columns });
    const csr = csrBuffers(block, (_, values) => input(values));
    const w = rand(rng, edges);
    const dz = rand(rng, rows * dst);
    const out = output(rows * dst);
    const wgrad = output(edges);
    const inputColumns = { buffer: columns, words, scale };
    submitDispatches(device, [
      ...dispatches,
      await spmm(rec, { rows, block: csr, weight: input(w), input: columns, inputColumns, out }),
      await edgeGrad(rec, { rows, block: csr, grad: input(dz), input: columns, inputColumns, wgrad }),
    ]);
    results.push({ name: 'spmm over byte columns', relative: rel(await rt.gpu.readFloats(out, 0, rows * dst), reference.spmmRef(block, w, x, rows)), tolerance: 1e-5 });
    results.push({ name: 'edge_grad over byte columns', relative: rel(await rt.gpu.readFloats(wgrad, 0, edges), reference.edgeGradRef(block, dz, x, rows)), tolerance: 1e-5 });
    // As training takes it: 32-row parts, then their sums.
    const partials = output(partFloats32(rows, edges));
    const byParts = output(edges);
    submitDispatches(device, [
      await edgeGradParts32(rec, { rows, block: csr, grad: input(dz), input: columns, inputColumns, partials }),
      await edgeGradParts(rec, { rows, block: csr, partials, wgrad: byParts, partRows: 32 }),
    ]);
    results.push({ name: 'edge_grad_parts32 over byte columns', relative: rel(await rt.gpu.readFloats(byParts, 0, edges), reference.edgeGradRef(block, dz, x, rows)), tolerance: 1e-5 });

    // A locally connected block over the same 40 inputs as an 8×5 image, 4 filters: its fours
    // of neurons share their sources, which spmm and edge_grad_parts32 take at once (GROUP 4).
    const local = localConnections({ width: 8, height: 5, kernel: 3, filters: 4 });
    const grouped = buildCsr(local.size, src, local.destinations, local.sources).block;
    const groupedCsr = csrBuffers(grouped, (_, values) => input(values));
    const [gw, gdz] = [rand(rng, grouped.srcOf.length), rand(rng, rows * local.size)];
    const [gout, gparts, gwgrad] = [output(rows * local.size), output(partFloats32(rows, grouped.srcOf.length)), output(grouped.srcOf.length)];
    submitDispatches(device, [
      await spmm(rec, { rows, block: groupedCsr, weight: input(gw), input: columns, inputColumns, out: gout }),
      await edgeGradParts32(rec, { rows, block: groupedCsr, grad: input(gdz), input: columns, inputColumns, partials: gparts }),
      await edgeGradParts(rec, { rows, block: groupedCsr, partials: gparts, wgrad: gwgrad, partRows: 32 }),
    ]);
    const shared = groupedCsr.sourceGroup === 4 ? 0 : 1;
    results.push({ name: 'local block: neurons share their sources in fours', relative: shared, tolerance: 0 });
    results.push({ name: 'spmm over byte columns, four neurons at once', relative: rel(await rt.gpu.readFloats(gout, 0, rows * local.size), reference.spmmRef(grouped, gw, x, rows)), tolerance: 1e-5 });
    results.push({ name: 'edge_grad_parts32 over byte columns, four neurons at once', relative: rel(await rt.gpu.readFloats(gwgrad, 0, grouped.srcOf.length), reference.edgeGradRef(grouped, gdz, x, rows)), tolerance: 1e-5 });
  }

  {
    // A CSR block out of a hidden level over f32 columns (a ragged batch: the last 32-row group
    // part full): forward, input gradient and weight gradient by parts against the CPU.
    const [rows, src, dst] = [45, 30, 12];
    const block = randomBlock(rng, dst, src, 0.3);
    const edges = block.srcOf.length;
    const csr = csrBuffers(block, (_, values) => input(values));
    const [w, x, dz] = [rand(rng, edges), rand(rng, rows * src), rand(rng, rows * dst)];
    const quads = columnWords(rows);
    const inputColumns = { buffer: output(src * quads * 4), quads };
    const gradColumns = { buffer: output(dst * quads * 4), quads };
    const [weight, bySource, partials] = [input(w), output(edges), output(edgePartFloats(rows, edges))];
    const [out, dx, wgrad] = [output(rows * dst), output(rows * src), output(edges)];
    submitDispatches(device, [
      await toColumns(rec, { rows, width: src, input: input(x), out: inputColumns }),
      await toColumns(rec, { rows, width: dst, input: input(dz), out: gradColumns }),
      await weightsBySource(rec, { block: csr, weight, out: bySource }),
      await spmm(rec, { rows, block: csr, weight, input: input(x), inputFloatColumns: inputColumns, out }),
      await spmmTransposeColumns(rec, { rows, block: csr, weightBySource: bySource, gradColumns, out: dx, weightParts: { inputColumns, partials } }),
      await edgeGradParts(rec, { rows, block: csr, partials, wgrad, bySource: true }),
    ]);
    results.push({ name: 'spmm over f32 columns', relative: rel(await rt.gpu.readFloats(out, 0, rows * dst), reference.spmmRef(block, w, x, rows)), tolerance: 1e-5 });
    results.push({ name: 'spmm_t_columns', relative: rel(await rt.gpu.readFloats(dx, 0, rows * src), reference.spmmTRef(block, w, dz, rows)), tolerance: 1e-5 });
    results.push({ name: 'edge_grad_parts by source', relative: rel(await rt.gpu.readFloats(wgrad, 0, edges), reference.edgeGradRef(block, dz, x, rows)), tolerance: 1e-5 });
  }

  {
    // Images moved at random (fit's augment): 7×5 pixels of 3 channels, bytes packed in words
    // (a padded last word), each row moved by its own draw; a byte copy, exact.
    const augment = { width: 7, height: 5, channels: 3, shift: 2 };
    const [rows, features] = [300, 105];
    const stride = Math.ceil(features / 4) * 4;
    const x = new Uint8Array(rows * stride);
    for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) x[r * stride + f] = rng.int(256);
    const key = epochKey(1, 2);
    const out = output(stride / 4 * rows);
    const shifts = await shiftImages(rec, { source: 'u8', rows, features, rowWords: stride / 4, augment, data: input(new Uint32Array(x.buffer)), out });
    shifts.setKey(key);
    submitDispatches(device, [shifts.dispatch]);
    const got = new Uint8Array((await rt.gpu.readFloats(out, 0, (stride / 4) * rows)).buffer);
    results.push({ name: 'shift_u8 (moved images)', relative: rel(got, reference.shiftImagesRef(x, rows, features, stride, augment, key)), tolerance: 0 });
  }

  {
    // Dropout (fit's dropout): the mask hashed from seed, step, level and index, the kept values scaled, in place; exact.
    const count = 5_003;
    const values = rand(rng, count);
    const buffer = input(values);
    submitDispatches(device, [await dropout(rec, { count, rate: 0.3, seed: 5, level: 2, values: buffer, counter: input(new Float32Array([77, 0, 0, 0])) })]);
    results.push({ name: 'dropout (mask and scale)', relative: rel(await rt.gpu.readFloats(buffer, 0, count), reference.dropoutRef(values, 0.3, 5, 2, 77)), tolerance: 0 });
  }

  {
    // Input dropout (fit's inputDropout): a batch of u8 rows gathered as f32 with the input level's mask, the kept values scaled; exact.
    const [rows, features, total] = [13, 20, 30];
    const bytes = Uint8Array.from({ length: total * features }, () => rng.int(256));
    const order = Uint32Array.from({ length: total }, (_, i) => (i * 7) % total);
    const out = output(rows * features);
    const drop = { rate: 0.3, seed: 4, level: 0, width: features, counter: input(new Float32Array([9, 0, 0, 0])) };
    const { dispatches } = await gatherEpoch(rec, { source: 'u8', features, rowWords: features / 4, scale: 1 / 255, drop, slots: [{ rows, start: 2 }], order: input(order), data: input(new Uint32Array(bytes.buffer)), out });
    submitDispatches(device, dispatches);
    const mask = reference.dropoutMaskRef(rows * features, 0.3, 4, 0, 9);
    // A gathered value times 1 / (1 − rate), in float32.
    const want = Float32Array.from({ length: rows * features }, (_, i) => (mask[i] ? Math.fround(bytes[order[2 + Math.floor(i / features)]! * features + (i % features)]! * Math.fround(1 / 255)) * dropoutScale(0.3) : 0));
    results.push({ name: 'input dropout in the gather', relative: rel(await rt.gpu.readFloats(out, 0, rows * features), want), tolerance: 0 });
  }

  {
    // The input gradient into a dropped-out tanh level (DROP_KEEP): its derivative at the stored values times 1 − rate.
    const [m, n, k, rate] = [40, 24, 10, 0.3];
    const stored = reference.dropoutRef(rand(rng, m * n, -2, 2).map((z) => Math.tanh(z)), rate, 1, 2, 3);
    const [dz, w] = [rand(rng, m * k), rand(rng, n * k)];
    const out = output(m * n);
    submitDispatches(device, [await matmul(rec, { m, n, k, lhs: input(dz), rhs: input(w), transRhs: true, aux: input(stored), out, epilogue: 'activation-grad', activation: 'tanh', dropKeep: dropoutKeep(rate) })]);
    results.push({ name: 'input gradient into a dropped-out tanh level', relative: rel(await rt.gpu.readFloats(out, 0, m * n), reference.inputGradRef(dz, w, stored, m, n, k, 'tanh', dropoutKeep(rate))), tolerance: 1e-5 });
  }
  owner.destroy();
}

async function trainingChecks(rt: Runtime): Promise<void> {
  // A whole training run in the page: spirals to ≥ 85% validation accuracy.
  const net = rt.createNetwork({ sizes: [2, 32, 32, 2], seed: 0 });
  const reports = await net.fit(spirals({ rows: 800, seed: 1 }), {
    optimizer: { name: 'adam', lr: 0.01 },
    batchSize: 50,
    epochs: 25,
    validation: spirals({ rows: 400, seed: 2 }),
  });
  const last = reports[reports.length - 1]!;
  results.push({ name: 'spirals validation error after 25 epochs', relative: 1 - last.valAccuracy, tolerance: 0.15 });

  // Bad input is refused with a typed error in the browser too.
  const bad = await net
    .fit(classificationDataset({ x: new Float32Array(9), labels: [0, 1, 0], features: 3 }), { epochs: 1 })
    .then(
      () => null,
      (e: unknown) => e,
    );
  results.push({ name: 'wrong feature count gives ShapeError', relative: bad instanceof ShapeError ? 0 : 1, tolerance: 0 });

  // A GPU error no scope caught (Chromium's own error classes): kept off the console (its
  // default prevented), thrown at the next wait, an OutOfMemoryError where memory ran out.
  const raise = (error: GPUError) => rt.gpu.device.dispatchEvent(new GPUUncapturedErrorEvent('uncapturederror', { error, cancelable: true }));
  const prevented = !raise(new GPUOutOfMemoryError('no room')) && !raise(new GPUValidationError('invalid buffer'));
  const uncaught = await rt.gpu.settle().then(
    () => null,
    (e: unknown) => e,
  );
  const typed = uncaught instanceof OutOfMemoryError && (uncaught as Error).message.startsWith('the GPU ran out of memory (1 more GPU error followed it)');
  results.push({ name: 'uncaught GPU error: OutOfMemoryError, not printed', relative: prevented && typed ? 0 : 1, tolerance: 0 });

  // Growth in the page: split the most significant output edges (function-preserving: the
  // output level's parents are post-ReLU), prune the weakest new edges, outputs match.
  const probe = spirals({ rows: 200, seed: 3 });
  await net.fit(spirals({ rows: 200, seed: 4 }), { epochs: 1, batchSize: 50, edgeStatistics: true });
  const edges = await net.selectEdgesToSplit(net.structure.output.id, { threshold: 0.2, maxToReplace: 8 });
  const split = await net.splitEdges(net.structure.output.id, edges, {}, probe);
  const scale = Math.max(...(await net.predict(probe)).map(Math.abs));
  results.push({ name: 'split output change (relative)', relative: (split.outputChange ?? 1) / scale, tolerance: 1e-5 });
  results.push({ name: 'split added a level', relative: net.structure.levels.length === 5 && split.neuronsAdded === edges.length ? 0 : 1, tolerance: 0 });
  await net.pruneEdges(net.pruneCandidates.slice(0, 5));
  results.push({ name: 'parameters after prune', relative: net.parameterCount === split.parametersAfter - 5 ? 0 : 1, tolerance: 0 });
  // The new level and the outputs form a fused tail (shaders/graph.wgsl): outputs as the CPU graph.
  results.push({ name: 'grown network has a fused tail', relative: fusedTail(net.structure) ? 0 : 1, tolerance: 0 });
  const grownOut = reference.graphOutputRef(net.structure, await net.getParameters(), probe.x, probe.rows);
  results.push({ name: 'fused-tail outputs vs CPU graph', relative: rel(await net.predict(probe), grownOut), tolerance: 1e-5 });

  // A tanh network grown while training under dropout: its fused tail holds the tanh level, whose
  // masks graph_backward draws again; the gradient under a step's masks against the CPU graph.
  const tanhData = spirals({ rows: 96, seed: 5 });
  const tanhNet = rt.createNetwork({ sizes: [2, 8, 2], activations: ['tanh', 'identity'], seed: 2 });
  const growing = { window: 1, minEpochsBetween: 1, lossChangeThreshold: 100, lateSplits: true, chooseThreshold: 0.3, maxToReplace: 12 };
  await tanhNet.fit(tanhData, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 16, epochs: 4, dropout: 0.25, expansion: growing, validation: tanhData });
  const tanhLevels = tanhNet.structure.levels.filter((l) => l.activation === 'tanh').map((l) => l.id);
  results.push({ name: 'grown tanh network: its fused tail holds the tanh level', relative: fusedTail(tanhNet.structure)?.levels.some((l) => tanhLevels.includes(l.id)) ? 0 : 1, tolerance: 0 });
  const drop = { rate: 0.25, seed: 0, step: 31 };
  const tanhGrad = await tanhNet.parameterGradients(tanhData, 'softmax-cross-entropy', { dropout: drop });
  const tanhWant = reference.graphGradientsRef(tanhNet.structure, await tanhNet.getParameters(), tanhData.x, tanhData.rows, { labels: tanhData.labels! }, drop);
  results.push({ name: 'grown tanh network: gradient under dropout vs CPU graph', relative: rel(tanhGrad, tanhWant), tolerance: 1e-5 });
  tanhNet.destroy();

  // Checkpoint round trip through a File (what a user downloads / picks): the grown network
  // comes back with bit-identical outputs, and a truncated file is refused.
  const file = new File([await rt.saveNetwork(net)], 'grown.senn', { type: 'application/octet-stream' });
  const restored = rt.loadNetwork(new Uint8Array(await file.arrayBuffer()));
  const before = await net.predict(probe);
  const after = await restored.predict(probe);
  const differing = before.reduce((n, v, i) => n + (Object.is(v, after[i]) ? 0 : 1), 0);
  results.push({ name: 'checkpoint via File: differing outputs', relative: differing, tolerance: 0 });
  results.push({ name: 'checkpoint via File: same structure', relative: restored.structure.sizes.join() === net.structure.sizes.join() ? 0 : 1, tolerance: 0 });
  const truncated = new Uint8Array(await file.slice(0, Math.floor(file.size / 2)).arrayBuffer());
  const refused = (() => {
    try {
      rt.loadNetwork(truncated);
      return null;
    } catch (e) {
      return e;
    }
  })();
  results.push({ name: 'truncated checkpoint gives CheckpointError', relative: refused instanceof CheckpointError ? 0 : 1, tolerance: 0 });
  // senn/onnx in the browser (protobufjs bundled): the grown network's model, run in
  // onnxruntime by the test in Node against these outputs; a bad option is the main entry's ConfigError.
  const model = await networkToOnnx(net, { probabilities: true });
  state.__senn.onnx = { model: Array.from(model), x: Array.from(probe.x), rows: probe.rows, features: probe.features, outputs: Array.from(before) };
  const badOption = await networkToOnnx(net, { denseFrom: -1 }).then(
    () => null,
    (e: unknown) => e,
  );
  results.push({ name: "senn/onnx: a bad option gives the main entry's ConfigError", relative: badOption instanceof ConfigError ? 0 : 1, tolerance: 0 });
  restored.destroy();
  net.destroy();
  results.push({ name: 'live GPU bytes back to zero', relative: rt.liveBytes, tolerance: 0 });
}

/**
 * senn/csv in the browser (csv-parse's browser build): a CSV text with quoted fields becomes a
 * dataset that trains, and its errors are the main entry's DatasetError (one shared chunk).
 */
async function csvChecks(rt: Runtime): Promise<void> {
  const rng = new Random(5);
  const lines = ['"width, cm",height,kind'];
  for (let i = 0; i < 400; i++) {
    const [u, v] = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    lines.push(`${u.toFixed(4)},${v.toFixed(4)},${u * v > 0 ? '"same, sign"' : 'mixed'}`);
  }
  const table = parseCsv(lines.join('\r\n'), { name: 'signs.csv' });
  const { dataset, schema } = csvDataset(table, { target: 'kind', task: 'classification' });
  const shaped = table.columns[0] === 'width, cm' && schema.classNames?.join('|') === 'mixed|same, sign' && dataset.rows === 400 && dataset.features === 2;
  results.push({ name: 'senn/csv: header, quoted cells and classes as written', relative: shaped ? 0 : 1, tolerance: 0 });
  const net = rt.createNetwork({ sizes: [2, 16, 2], seed: 0 });
  const reports = await net.fit(dataset, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 40, epochs: 30, validation: dataset });
  net.destroy();
  results.push({ name: 'senn/csv: a CSV dataset trains (training-set error after 30 epochs)', relative: 1 - reports.at(-1)!.valAccuracy, tolerance: 0.15 });
  const refused = (() => {
    try {
      parseCsv('a,b\n"open,1\n', { name: 'bad.csv' });
      return null;
    } catch (e) {
      return e;
    }
  })();
  const named = refused instanceof DatasetError && refused.message.startsWith('bad.csv: not a valid CSV file');
  results.push({ name: "senn/csv: bad CSV gives the main entry's DatasetError", relative: named ? 0 : 1, tolerance: 0 });
}

/** The same growing run in a module Web Worker and in the page: the same network, bit for bit. */
async function workerChecks(rt: Runtime): Promise<void> {
  const worker = new Worker('/worker.js', { type: 'module' });
  const reply = new Promise<{ result?: GrowingRun; liveBytes?: number; error?: string }>((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
  });
  worker.postMessage('run');
  const [inWorker, inPage] = await Promise.all([reply, growingRun(rt)]);
  worker.terminate();
  if (inWorker.error || !inWorker.result) throw new Error(`the worker failed: ${inWorker.error}`);
  const w = inWorker.result;
  const differing = inPage.outputs.reduce((n, v, i) => n + (Object.is(v, w.outputs[i]) ? 0 : 1), 0);
  results.push({ name: `worker: the run grew (${w.sizes.join('-')})`, relative: w.sizes.length > 3 ? 0 : 1, tolerance: 0 });
  results.push({ name: 'worker: same architecture and parameters as in the page', relative: w.sizes.join() === inPage.sizes.join() && w.params === inPage.params ? 0 : 1, tolerance: 0 });
  results.push({ name: 'worker: outputs differing from the page run', relative: differing, tolerance: 0 });
  results.push({ name: 'worker: validation error', relative: 1 - w.valAccuracy, tolerance: 0.2 });
  results.push({ name: 'worker: live GPU bytes after the run', relative: inWorker.liveBytes ?? 1, tolerance: 0 });
}

/**
 * The same growing run on a compatibility-mode device (WebGPU without its core features, as on
 * OpenGL ES): the same network, bit for bit.
 */
async function compatibilityChecks(rt: Runtime): Promise<void> {
  const compat = await createRuntime({ featureLevel: 'compatibility' });
  try {
    results.push({ name: 'compatibility mode: the device is in it', relative: compat.adapter.featureLevel === 'compatibility' ? 0 : 1, tolerance: 0 });
    const c = await growingRun(compat);
    const core = await growingRun(rt);
    const differing = core.outputs.reduce((n, v, i) => n + (Object.is(v, c.outputs[i]) ? 0 : 1), 0);
    results.push({ name: `compatibility mode: the run grew the same network (${c.sizes.join('-')})`, relative: c.sizes.join() === core.sizes.join() && c.params === core.params ? 0 : 1, tolerance: 0 });
    results.push({ name: 'compatibility mode: outputs differing from the core device', relative: differing, tolerance: 0 });
  } finally {
    compat.destroy();
  }
}

try {
  const rt = await createRuntime();
  state.__senn.adapter = rt.gpu.adapterName;
  await kernelChecks(rt);
  await trainingChecks(rt);
  await csvChecks(rt);
  await workerChecks(rt);
  await compatibilityChecks(rt);
  rt.destroy();
} catch (error) {
  state.__senn.error = String((error as Error).stack ?? error);
}
state.__senn.done = true;
