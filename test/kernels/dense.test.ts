import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { ACTIVATIONS, type Activation } from '../../src/kernels/activation.js';
import { activationGrad, biasGrad, HARDWARE_BIG_FROM, MIN_GROUPS, type MatmulPlan, matmul, matmulGroupShape, productGrid, SPLIT_FROM_INNER, SPLIT_OUTPUTS_PER_INNER } from '../../src/kernels/dense.js';
import {
  activate,
  activationGradRef,
  biasGradRef,
  denseForwardRef,
  inputGradRef,
  matmulRef,
  weightGradRef,
} from '../../src/reference/dense.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

// Tolerances: f32 products over k ≤ 300 terms against float64 references. Errors are
// measured relative to the largest reference magnitude.
const PRODUCT_TOL = 1e-5;
// Finite differences (h = 1e-5, float64) against f32 kernels.
const FD_TOL = 1e-3;

// Ragged shapes: 1, sizes off the 64-tile and 16-step grid, and exact multiples.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [65, 17, 130],
  [64, 64, 64],
  [100, 33, 257],
  [130, 70, 16],
  // Wide outputs take 16-column blocks; outputs of ≤ 16 columns one block of their width.
  [37, 141, 19],
  [9, 128, 6],
  [70, 10, 45],
  // Wide and tall: 16×16 blocks (TALL), ragged in both directions.
  [150, 141, 23],
  [20, 13, 9],
  [33, 16, 5],
  // Rows of rhs read as vec4s (n a multiple of 4) with a block past n, rows of lhs as vec4s (k a
  // multiple of 4); vec2s (n even) are read by [130, 70, 16] and [70, 10, 45].
  [45, 20, 12],
  [50, 36, 8],
];

const h = useHarness();

/** matmul_split's plan (its blocks are fixed; the other fields are not used). */
const SPLIT_PLAN: MatmulPlan = { x: 8, y: 8, colGroups: 1, tall: false, split: true };

/** Each operand stored as is or transposed. */
const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;


describe('matmul kernel (shaders/dense.wgsl) against the CPU reference', () => {
  for (const [m, n, k] of SHAPES) {
    for (const [transLhs, transRhs] of TRANSPOSES) {
      it(`plain product ${m}×${k} · ${k}×${n} transLhs=${transLhs} transRhs=${transRhs}`, async () => {
        const rng = new Random(m * 31 + n * 7 + k + Number(transLhs) * 2 + Number(transRhs));
        const lhs = randomArray(rng, m * k);
        const rhs = randomArray(rng, k * n);
        const out = h.output(m * n);
        h.run(await matmul(h.rec, { m, n, k, lhs: h.input(lhs), rhs: h.input(rhs), out, transLhs, transRhs }));
        report(`matmul ${m}x${n}x${k} ${transLhs}/${transRhs}`, relativeError(await h.read(out, m * n), matmulRef(lhs, rhs, m, n, k, transLhs, transRhs)), PRODUCT_TOL);
      });
    }
  }

  for (const activation of ACTIVATIONS) {
    for (const [m, n, k] of [
      [100, 33, 257],
      [140, 150, 37], // 16×16 blocks (TALL)
    ] as const) {
      it(`forward epilogue bias + ${activation} on ${m}×${n} (k = ${k})`, async () => {
        const rng = new Random(11);
        const x = randomArray(rng, m * k);
        const w = randomArray(rng, k * n, -0.2, 0.2);
        const b = randomArray(rng, n);
        const out = h.output(m * n);
        h.run(
          await matmul(h.rec, { m, n, k, lhs: h.input(x), rhs: h.input(w), bias: h.input(b), out, epilogue: 'bias-activation', activation }),
        );
        report(`forward ${activation}`, relativeError(await h.read(out, m * n), denseForwardRef(x, w, b, m, n, k, activation)), PRODUCT_TOL);
      });
    }

    for (const rows of [65, 130]) {
      it(`input-gradient epilogue × ${activation}' on ${rows} rows, 150 inputs (wide blocks), 33 outputs`, async () => {
        const [inputs, outputs] = [150, 33];
        const rng = new Random(12);
        const dz = randomArray(rng, rows * outputs);
        const w = randomArray(rng, inputs * outputs);
        const below = Float32Array.from(randomArray(rng, rows * inputs, -2, 2), (z) => activate(activation, z));
        const out = h.output(rows * inputs);
        h.run(
          await matmul(h.rec, {
            m: rows,
            n: inputs,
            k: outputs,
            lhs: h.input(dz),
            rhs: h.input(w),
            transRhs: true,
            aux: h.input(below),
            out,
            epilogue: 'activation-grad',
            activation,
          }),
        );
        report(`input grad ${activation}`, relativeError(await h.read(out, rows * inputs), inputGradRef(dz, w, below, rows, inputs, outputs, activation)), PRODUCT_TOL);
      });
    }
  }
});

describe('matmul workgroup shape', () => {
  it('spreads a 256-row product over at least MIN_GROUPS workgroups, never below 4 invocations a workgroup, and depends on m only through 16-row blocks', () => {
    for (const n of [1, 10, 14, 20, 96, 344, 784, 1024]) {
      const shape = matmulGroupShape(256, n);
      const groups = Math.ceil(256 / ((shape.tall ? 16 : 8) * shape.y)) * Math.ceil(n / (4 * shape.colGroups * shape.x));
      expect(shape.x * shape.y, `n = ${n}`).toBeGreaterThanOrEqual(4);
      expect(shape.x * shape.y, `n = ${n}`).toBeLessThanOrEqual(64);
      // Either enough workgroups, or the smallest workgroup the rule allows.
      if (groups < MIN_GROUPS) expect(shape.x * shape.y, `n = ${n} (${groups} groups)`).toBeLessThan(8);
      // Validation batches and weight gradients (other m) reuse the training batch's pipelines.
      for (const m of [128, 784, 1000, 12000]) expect(matmulGroupShape(m, n), `${m}×${n}`).toEqual(shape);
    }
    // The 784-10 layer's forward (256 rows) was a single workgroup before the rule.
    const forward = matmulGroupShape(256, 10);
    expect(Math.ceil(256 / ((forward.tall ? 16 : 8) * forward.y))).toBeGreaterThanOrEqual(4);
  });
});

describe('matmul past 65,535 row groups (a batch of millions of rows)', () => {
  it('goes on along z: each slice as many row groups as fit, the last one with at most z − 1 extra', () => {
    expect(productGrid(3, 10, 65535)).toEqual([3, 10, 1]);
    expect(productGrid(3, 0, 65535)).toEqual([3, 1, 1]);
    expect(productGrid(2, 65535, 65535)).toEqual([2, 65535, 1]);
    expect(productGrid(2, 65536, 65535)).toEqual([2, 32768, 2]);
    expect(productGrid(1, 200001, 65535)).toEqual([1, 50001, 4]);
  });

  // The rows of one row group of each cut, then a product just past 65,535 of them: each of its
  // row groups is a z slice's, the last slice's extra ones return at once.
  const cuts: [string, (m: number, n: number) => MatmulPlan, (plan: MatmulPlan) => number][] = [
    ['software', (m, n) => matmulGroupShape(m, n), (p) => (p.tall ? 16 : 8) * p.y],
    ['split', () => SPLIT_PLAN, () => 8],
  ];
  for (const [cut, planOf, groupRows] of cuts) {
    it(`${cut} cut: a product of 65,535 row groups and a few rows more, against the CPU reference`, async () => {
      const [n, k] = [3, 2];
      const m = 65535 * groupRows(planOf(1 << 20, n)) + 5;
      const plan = planOf(m, n);
      const rng = new Random(m);
      const lhs = randomArray(rng, m * k);
      const rhs = randomArray(rng, k * n);
      const out = h.output(m * n);
      const dispatch = await matmul(h.rec, { m, n, k, lhs: h.input(lhs), rhs: h.input(rhs), out, plan });
      expect(dispatch.groups[2]).toBe(2);
      h.run(dispatch);
      const got = await h.read(out, m * n);
      report(`${cut} cut ${m}x${n}x${k}`, relativeError(got, matmulRef(lhs, rhs, m, n, k, false, false)), PRODUCT_TOL);
    });
  }
});

describe('matmul with a GPU\'s cuts (plans of a hardware adapter), here on the test adapter', () => {
  // Small products take 8×4 blocks; products of HARDWARE_BIG_FROM outputs or more 16×8 blocks,
  // forced here onto small shapes (the same kernel at any size).
  const cuts: [string, (m: number, n: number) => MatmulPlan][] = [
    ['small', (m, n) => matmulGroupShape(m, n, false)],
    ['big', () => matmulGroupShape(2048, 2048, false)],
    // A workgroup a block, its invocations sharing the inner dimension (matmul_split).
    ['split', () => SPLIT_PLAN],
  ];
  for (const [cut, planOf] of cuts) {
    for (const [m, n, k] of [
      [65, 17, 130],
      [150, 141, 23],
      [9, 10, 45],
    ] as const) {
      for (const [transLhs, transRhs] of TRANSPOSES) {
        it(`${cut} cut: ${m}×${k} · ${k}×${n} transLhs=${transLhs} transRhs=${transRhs}`, async () => {
          const rng = new Random(m + n * 3 + k * 5 + Number(transLhs) * 2 + Number(transRhs));
          const lhs = randomArray(rng, m * k);
          const rhs = randomArray(rng, k * n);
          const out = h.output(m * n);
          h.run(await matmul(h.rec, { m, n, k, lhs: h.input(lhs), rhs: h.input(rhs), out, transLhs, transRhs, plan: planOf(m, n) }));
          report(`${cut} cut ${m}x${n}x${k} ${transLhs}/${transRhs}`, relativeError(await h.read(out, m * n), matmulRef(lhs, rhs, m, n, k, transLhs, transRhs)), PRODUCT_TOL);
        });
      }
    }
    it(`${cut} cut: forward epilogue bias + relu, then an input-gradient epilogue × tanh'`, async () => {
      const [m, n, k] = [70, 36, 50];
      const rng = new Random(5);
      const x = randomArray(rng, m * k);
      const w = randomArray(rng, k * n, -0.2, 0.2);
      const b = randomArray(rng, n);
      const out = h.output(m * n);
      h.run(await matmul(h.rec, { m, n, k, lhs: h.input(x), rhs: h.input(w), bias: h.input(b), out, epilogue: 'bias-activation', activation: 'relu', plan: planOf(m, n) }));
      report(`${cut} cut forward relu`, relativeError(await h.read(out, m * n), denseForwardRef(x, w, b, m, n, k, 'relu')), PRODUCT_TOL);
      // Input gradient into the k = 50 inputs from the n = 36 outputs' dz.
      const dz = randomArray(rng, m * n);
      const below = Float32Array.from(randomArray(rng, m * k, -2, 2), (z) => activate('tanh', z));
      const dx = h.output(m * k);
      h.run(await matmul(h.rec, { m, n: k, k: n, lhs: h.input(dz), rhs: h.input(w), transRhs: true, aux: h.input(below), out: dx, epilogue: 'activation-grad', activation: 'tanh', plan: planOf(m, k) }));
      report(`${cut} cut input grad tanh`, relativeError(await h.read(dx, m * k), inputGradRef(dz, w, below, m, k, n, 'tanh')), PRODUCT_TOL);
    });
  }

  it('plans: 8×4 blocks in workgroups of 64 below HARDWARE_BIG_FROM outputs (as many across as the column blocks, up to 16), 16×8 blocks from it', () => {
    for (const [m, n, x] of [
      [256, 10, 4],
      [256, 96, 16],
      [784, 1024, 16],
      [1, 1, 1],
      [1024, 1024, 16],
    ] as const) {
      expect(matmulGroupShape(m, n, false), `${m}×${n}`).toEqual({ x, y: 64 / x, colGroups: 1, tall: false });
    }
    expect(matmulGroupShape(2048, 2048, false)).toEqual({ x: 8, y: 8, colGroups: 2, tall: true });
    expect(matmulGroupShape(HARDWARE_BIG_FROM / 4096, 4096, false).colGroups).toBe(2);
  });

  it('plans: a GPU runs a product split when its outputs are fewer than SPLIT_OUTPUTS_PER_INNER times a long enough inner dimension; a software adapter never', () => {
    // (m, n, k, split): the products of the H200 sweep (bench/results/h200-matmul-split-sweep.json).
    for (const [m, n, k, split] of [
      [256, 10, 784, true], // a classifier's forward from the inputs
      [256, 96, 784, true],
      [256, 10, 96, true],
      [784, 10, 256, true], // its weight gradient
      [1024, 96, 784, true], // inference in 1,024-row chunks
      [784, 96, 256, false], // 75,264 outputs ≥ 192 · 256
      [256, 1024, 784, false],
      [256, 96, 10, false], // an input gradient through 10 outputs: k too short
    ] as const) {
      expect(Boolean(matmulGroupShape(m, n, false, k).split), `${m}×${n}, k = ${k}`).toBe(split);
      expect(split).toBe(m * n < SPLIT_OUTPUTS_PER_INNER * k && k >= SPLIT_FROM_INNER);
      expect(matmulGroupShape(m, n, true, k).split).toBeUndefined();
    }
    // Without k (as before): never split.
    expect(matmulGroupShape(256, 10, false).split).toBeUndefined();
  });

  it('refuses a plan outside the kernel\'s blocks or the adapter\'s workgroup limit', async () => {
    const args = { m: 4, n: 4, k: 4, lhs: h.input(new Float32Array(16)), rhs: h.input(new Float32Array(16)), out: h.output(16) };
    await expect(matmul(h.rec, { ...args, plan: { x: 8, y: 8, colGroups: 5, tall: false } })).rejects.toThrow(/colGroups must be 1, 2, 3 or 4, got 5/);
    await expect(matmul(h.rec, { ...args, plan: { x: 64, y: 64, colGroups: 1, tall: false } })).rejects.toThrow(
      // The adapter's own limit: 256 on SwiftShader, 1,024 on most GPUs.
      new RegExp(`64×64 invocations is outside the adapter's limits \\(at most ${h.rec.device.limits.maxComputeInvocationsPerWorkgroup} invocations`),
    );
    await expect(matmul(h.rec, { ...args, plan: { x: 1, y: 0, colGroups: 1, tall: false } })).rejects.toThrow(/1×0 invocations/);
    // A workgroup per 8×4 block: an output of more columns than the grid holds is refused before
    // anything is recorded (more rows go on along z: above).
    const wide = 4 * h.rec.device.limits.maxComputeWorkgroupsPerDimension + 4;
    const wideArgs = { ...args, n: wide, rhs: h.input(new Float32Array(wide * 4)), out: h.output(wide * 4) };
    await expect(matmul(h.rec, { ...wideArgs, plan: SPLIT_PLAN })).rejects.toThrow(/more than the adapter's \d+ a dimension/);
  });
});

describe('matmul accumulate epilogue', () => {
  for (const [m, n, k] of [
    [50, 30, 21],
    [50, 150, 21],
    [150, 140, 21],
  ] as const) for (const split of [false, true]) {
    it(`out += xᵀ·dz, ${m}×${n} (k = ${k})${split ? ', split' : ''}`, async () => {
      const rng = new Random(m + n + k);
      const x = randomArray(rng, k * m);
      const dz = randomArray(rng, k * n);
      const before = randomArray(rng, m * n);
      const out = h.input(before);
      h.run(await matmul(h.rec, { m, n, k, lhs: h.input(x), transLhs: true, rhs: h.input(dz), out, accumulate: true, ...(split ? { plan: SPLIT_PLAN } : {}) }));
      const product = matmulRef(x, dz, m, n, k, true, false);
      const want = product.map((v, i) => v + before[i]!);
      report(`accumulate ${m}x${n}`, relativeError(await h.read(out, m * n), want), PRODUCT_TOL);
    });
  }
});

// Batch rows, sources, outputs and active sources of a masked block: the first split's shape
// (155 of 784 inputs), a small one, and one with half of the sources active.
const ACTIVE_ROW_SHAPES = [
  [256, 784, 37, 155],
  [70, 41, 9, 6],
  [33, 150, 140, 77],
] as const;

/** `active` distinct sources of `sources`, ascending. */
function activeIndices(rng: Random, sources: number, active: number): Uint32Array {
  const picked = new Set<number>();
  while (picked.size < active) picked.add(Math.floor(rng.next() * sources));
  return Uint32Array.from([...picked].sort((a, b) => a - b));
}

describe('matmul over the active rows of a block (ACTIVE_K forward, ACTIVE_M weight gradient)', () => {
  for (const [rows, sources, outputs, active] of ACTIVE_ROW_SHAPES) {
    it(`${rows} rows, ${active} of ${sources} sources → ${outputs}: forward skips zero weight rows, weight gradient writes only active rows`, async () => {
      const rng = new Random(rows + sources + active);
      const indices = activeIndices(rng, sources, active);
      const x = randomArray(rng, rows * sources);
      // Weights: zero on every row that is not active, as in a masked block.
      const w = new Float32Array(sources * outputs);
      for (const j of indices) for (let i = 0; i < outputs; i++) w[j * outputs + i] = rng.next() * 2 - 1;
      const b = randomArray(rng, outputs);
      const activeRows = { indices: h.input(indices), count: active };
      const y = h.output(rows * outputs);
      h.run(await matmul(h.rec, { m: rows, n: outputs, k: sources, lhs: h.input(x), rhs: h.input(w), bias: h.input(b), out: y, epilogue: 'bias-activation', activation: 'relu', activeRows: { ...activeRows, along: 'k' } }));
      report(`active-k forward ${active}/${sources}`, relativeError(await h.read(y, rows * outputs), denseForwardRef(x, w, b, rows, outputs, sources, 'relu')), PRODUCT_TOL);

      // Weight gradient xᵀ·dz (x stored rows × sources, i.e. k×m for the transposed product).
      const dz = randomArray(rng, rows * outputs);
      const before = randomArray(rng, sources * outputs);
      const wgrad = h.input(before);
      h.run(await matmul(h.rec, { m: sources, n: outputs, k: rows, lhs: h.input(x), transLhs: true, rhs: h.input(dz), out: wgrad, activeRows: { ...activeRows, along: 'm' } }));
      const full = matmulRef(x, dz, sources, outputs, rows, true, false);
      const want = Float64Array.from(before);
      for (const j of indices) {
        for (let i = 0; i < outputs; i++) want[j * outputs + i] = full[j * outputs + i]!;
      }
      // Rows without edges keep exactly what they held; active rows get the gradient.
      report(`active-m weight gradient ${active}/${sources}`, relativeError(await h.read(wgrad, sources * outputs), want), PRODUCT_TOL);
    });
  }
});

describe('matmul over a compact weight matrix (COMPACT: only the active rows stored)', () => {
  for (const [rows, sources, outputs, active] of ACTIVE_ROW_SHAPES) for (const split of [false, true]) {
    it(`${rows} rows, ${active} of ${sources} sources → ${outputs}: forward reads weight row t for input active[t], weight gradient writes row t${split ? ' (split)' : ''}`, async () => {
      const plan = split ? { plan: SPLIT_PLAN } : {};
      const rng = new Random(rows * 3 + sources + active);
      const indices = activeIndices(rng, sources, active);
      const x = randomArray(rng, rows * sources);
      const compact = randomArray(rng, active * outputs);
      // The same weights stored in full (zero rows where no edge) for the CPU reference.
      const full = new Float32Array(sources * outputs);
      indices.forEach((j, t) => full.set(compact.subarray(t * outputs, (t + 1) * outputs), j * outputs));
      const b = randomArray(rng, outputs);
      const activeRows = { indices: h.input(indices), count: active, compact: true };
      const y = h.output(rows * outputs);
      h.run(await matmul(h.rec, { m: rows, n: outputs, k: sources, lhs: h.input(x), rhs: h.input(compact), bias: h.input(b), out: y, epilogue: 'bias-activation', activation: 'relu', activeRows: { ...activeRows, along: 'k' }, ...plan }));
      report(`compact forward ${active}/${sources}`, relativeError(await h.read(y, rows * outputs), denseForwardRef(x, full, b, rows, outputs, sources, 'relu')), PRODUCT_TOL);

      const dz = randomArray(rng, rows * outputs);
      const mask = Float32Array.from({ length: active * outputs }, () => (rng.next() < 0.8 ? 1 : 0));
      const wgrad = h.output(active * outputs);
      h.run(await matmul(h.rec, { m: sources, n: outputs, k: rows, lhs: h.input(x), transLhs: true, rhs: h.input(dz), out: wgrad, mask: h.input(mask), activeRows: { ...activeRows, along: 'm' }, ...plan }));
      const grad = matmulRef(x, dz, sources, outputs, rows, true, false);
      const want = new Float64Array(active * outputs);
      indices.forEach((j, t) => {
        for (let i = 0; i < outputs; i++) {
          const at = t * outputs + i;
          want[at] = mask[at] ? grad[j * outputs + i]! : 0; // an absent edge: exactly 0
        }
      });
      report(`compact weight gradient ${active}/${sources}`, relativeError(await h.read(wgrad, active * outputs), want), PRODUCT_TOL);
    });
  }
});

describe('matmul mask (weight gradient of a dense block lacking edges)', () => {
  for (const split of [false, true]) it(`multiplies every output by its 0/1 mask value, after the statistics-free product${split ? ' (split)' : ''}`, async () => {
    const [m, n, k] = [40, 140, 17];
    const rng = new Random(5);
    const x = randomArray(rng, k * m);
    const dz = randomArray(rng, k * n);
    const mask = Float32Array.from({ length: m * n }, () => (rng.next() < 0.4 ? 0 : 1));
    const out = h.output(m * n);
    h.run(await matmul(h.rec, { m, n, k, lhs: h.input(x), transLhs: true, rhs: h.input(dz), out, mask: h.input(mask), ...(split ? { plan: SPLIT_PLAN } : {}) }));
    const want = matmulRef(x, dz, m, n, k, true, false).map((v, i) => v * mask[i]!);
    const got = await h.read(out, m * n);
    report('masked weight gradient', relativeError(got, want), PRODUCT_TOL);
    for (let i = 0; i < m * n; i++) if (mask[i] === 0) expect(got[i]).toBe(0);
  });
});

describe('bias_grad and activation_grad kernels against the CPU reference', () => {
  for (const [m, n] of [
    [1, 1],
    [257, 33],
    [64, 130],
    [256, 344], // 4 columns per invocation (bias_grad_vec4)
    [3, 4],
  ] as const) {
    it(`bias_grad ${m}×${n}`, async () => {
      const dz = randomArray(new Random(m + n), m * n);
      const db = h.output(n);
      h.run(await biasGrad(h.rec, { m, n, dz: h.input(dz), db }));
      report(`bias_grad ${m}x${n}`, relativeError(await h.read(db, n), biasGradRef(dz, m, n)), PRODUCT_TOL);
    });
  }
  for (const activation of ACTIVATIONS) {
    it(`activation_grad ${activation} over 1000 values`, async () => {
      const rng = new Random(5);
      const da = randomArray(rng, 1000);
      const a = Float32Array.from(randomArray(rng, 1000, -2, 2), (z) => activate(activation, z));
      const dz = h.output(1000);
      h.run(await activationGrad(h.rec, { m: 40, n: 25, activation, da: h.input(da), a: h.input(a), dz }));
      report(`activation_grad ${activation}`, relativeError(await h.read(dz, 1000), activationGradRef(da, a, activation)), 1e-6);
    });
  }
});

/**
 * Backward kernels against central finite differences of the CPU forward. The scalar
 * L = Σ R ⊙ act(x·W + b) (R random) has dL/dz = R ⊙ act'(a), dL/dW = xᵀ·dz, dL/db = Σ_rows dz.
 */
describe('backward kernels against finite differences of the CPU forward', () => {
  const [rows, inputs, outputs] = [7, 9, 5];
  for (const activation of ['tanh', 'sigmoid', 'identity', 'relu'] as Activation[]) {
    it(`weight, bias and activation gradients (${activation})`, async () => {
      const rng = new Random(99);
      const x = randomArray(rng, rows * inputs);
      const w = randomArray(rng, inputs * outputs);
      const b = randomArray(rng, outputs);
      const r = randomArray(rng, rows * outputs);
      const scalar = (xx: ArrayLike<number>, ww: ArrayLike<number>, bb: ArrayLike<number>) =>
        denseForwardRef(xx, ww, bb, rows, outputs, inputs, activation).reduce((s, a, i) => s + a * r[i]!, 0);
      const z = matmulRef(x, w, rows, outputs, inputs).map((v, i) => v + b[i % outputs]!);
      const a = Float32Array.from(z, (v) => activate(activation, v));

      // activation_grad: dL/dz from R and a, against differences in z.
      const dzBuf = h.output(rows * outputs);
      h.run(await activationGrad(h.rec, { m: rows, n: outputs, activation, da: h.input(r), a: h.input(a), dz: dzBuf }));
      const dz = await h.read(dzBuf, rows * outputs);
      const fdZ = centralDifferences((zz) => zz.reduce((s, v, i) => s + activate(activation, v) * r[i]!, 0), z);
      if (activation !== 'relu') report(`FD activation_grad ${activation}`, relativeError(dz, fdZ), FD_TOL);

      const dwBuf = h.output(inputs * outputs);
      const dbBuf = h.output(outputs);
      const dzIn = h.input(dz);
      h.run([
        await matmul(h.rec, { m: inputs, n: outputs, k: rows, lhs: h.input(x), transLhs: true, rhs: dzIn, out: dwBuf }),
        await biasGrad(h.rec, { m: rows, n: outputs, dz: dzIn, db: dbBuf }),
      ]);
      report(`FD weight grad ${activation}`, relativeError(await h.read(dwBuf, inputs * outputs), centralDifferences((ww) => scalar(x, ww, b), w)), FD_TOL);
      report(`FD bias grad ${activation}`, relativeError(await h.read(dbBuf, outputs), centralDifferences((bb) => scalar(x, w, bb), b)), FD_TOL);
      // The CPU reference itself agrees with the differences.
      report(`FD reference weight grad ${activation}`, relativeError(weightGradRef(x, dz, rows, outputs, inputs), centralDifferences((ww) => scalar(x, ww, b), w)), FD_TOL);
    });

    it(`input gradient of a two-layer stack (${activation} below, tanh above)`, async () => {
      // L(z1) = Σ R ⊙ tanh(act(z1)·W2 + b2); the kernel computes (dz2·W2ᵀ) ⊙ act'(a1) = dL/dz1.
      const hidden = 6;
      const rng = new Random(7);
      const z1 = randomArray(rng, rows * hidden, -1.5, 1.5);
      const w2 = randomArray(rng, hidden * outputs);
      const b2 = randomArray(rng, outputs);
      const r = randomArray(rng, rows * outputs);
      const a1 = Float32Array.from(z1, (v) => activate(activation, v));
      const a2 = denseForwardRef(a1, w2, b2, rows, outputs, hidden, 'tanh');
      const dz2 = Float32Array.from(a2, (a, i) => r[i]! * (1 - a * a));
      const out = h.output(rows * hidden);
      h.run(
        await matmul(h.rec, {
          m: rows,
          n: hidden,
          k: outputs,
          lhs: h.input(dz2),
          rhs: h.input(w2),
          transRhs: true,
          aux: h.input(a1),
          out,
          epilogue: 'activation-grad',
          activation,
        }),
      );
      const fd = centralDifferences((zz) => {
        const act = zz.map((v) => activate(activation, v));
        return denseForwardRef(act, w2, b2, rows, outputs, hidden, 'tanh').reduce((s, a, i) => s + a * r[i]!, 0);
      }, z1);
      report(`FD input grad ${activation}`, relativeError(await h.read(out, rows * hidden), fd), FD_TOL);
    });
  }
});

/** `bytes` (rows × features) packed four to a u32, low byte first, each row padded to `words` words. */
function packRows(bytes: Uint8Array, rows: number, features: number): { packed: Uint32Array; words: number } {
  const words = Math.ceil(features / 4);
  const padded = new Uint8Array(rows * words * 4);
  for (let r = 0; r < rows; r++) padded.set(bytes.subarray(r * features, (r + 1) * features), r * words * 4);
  return { packed: new Uint32Array(padded.buffer), words };
}

describe('matmul over packed u8 inputs (LHS_U8): bit for bit the product over the unpacked f32 values', () => {
  // (rows, features, outputs, scale): features not a multiple of 4 (padding bytes); MNIST's shape
  // with its 16-row weight-gradient blocks (TALL); a tall ragged block (200 = 12·16 + 8); wide
  // outputs. Scale 1/255 unpacks with unpack4x8unorm (UNORM), others with shifts and masks. A
  // factor other than 1 (BYTE_FACTOR, input dropout's 1 / (1 − rate)) multiplies every value.
  for (const [rows, features, outputs, scale, factor] of [
    [37, 13, 10, 1 / 255, 1],
    [256, 784, 10, 1 / 255, 1],
    [20, 200, 40, 0.01, 1],
    [130, 64, 96, 1 / 255, 1],
    [30, 24, 12, 0.5, 1],
    [256, 784, 10, 1 / 255, 1 / 0.8],
    [37, 13, 10, 0.01, 2],
  ] as const) {
    it(`${rows} rows × ${features} u8 features → ${outputs}, scale ${scale.toPrecision(3)}${factor === 1 ? '' : `, factor ${factor}`}: forward and weight gradient, plain and over active rows`, async () => {
      const rng = new Random(rows + features + outputs);
      const bytes = Uint8Array.from({ length: rows * features }, () => (rng.next() < 0.6 ? 0 : rng.int(256)));
      // What the f32 gather stores: f32(byte) · f32(scale), rounded to f32 (times the factor, rounded again).
      const x = Float32Array.from(bytes, (b) => Math.fround(Math.fround(b * Math.fround(scale)) * Math.fround(factor)));
      const { packed, words } = packRows(bytes, rows, features);
      const lhsBytes = { words, scale, factor };
      const w = randomArray(rng, features * outputs);
      const b = randomArray(rng, outputs);
      const dz = randomArray(rng, rows * outputs);
      const indices = activeIndices(rng, features, Math.max(1, Math.floor(features / 3)));
      const activeRows = { indices: h.input(indices), count: indices.length };
      for (const [active, split] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const along = (dim: 'k' | 'm') => ({ ...(active ? { activeRows: { ...activeRows, along: dim } } : {}), ...(split ? { plan: SPLIT_PLAN } : {}) });
        const forward = async (lhs: GPUBuffer, packedInput: boolean) => {
          const y = h.output(rows * outputs);
          const common = { m: rows, n: outputs, k: features, rhs: h.input(w), bias: h.input(b), out: y, epilogue: 'bias-activation' as const, activation: 'relu' as const };
          h.run(await matmul(h.rec, { ...common, lhs, ...(packedInput ? { lhsBytes } : {}), ...along('k') }));
          return h.read(y, rows * outputs);
        };
        const weightGrad = async (lhs: GPUBuffer, packedInput: boolean) => {
          const g = h.output(features * outputs);
          h.run(await matmul(h.rec, { m: features, n: outputs, k: rows, lhs, transLhs: true, rhs: h.input(dz), out: g, ...(packedInput ? { lhsBytes } : {}), ...along('m') }));
          return h.read(g, features * outputs);
        };
        const label = `${rows}×${features}→${outputs}${active ? `, ${indices.length} active rows` : ''}${split ? ', split' : ''}`;
        const yPacked = await forward(h.input(packed), true);
        expect(Array.from(yPacked)).toEqual(Array.from(await forward(h.input(x), false)));
        if (!active) report(`packed forward ${label}`, relativeError(yPacked, denseForwardRef(x, w, b, rows, outputs, features, 'relu')), PRODUCT_TOL);
        const gPacked = await weightGrad(h.input(packed), true);
        const gFloat = await weightGrad(h.input(x), false);
        if (active) {
          // Only the active rows are written: compare those.
          const pick = (v: Float32Array) => Array.from(indices).flatMap((j) => Array.from(v.subarray(j * outputs, (j + 1) * outputs)));
          expect(pick(gPacked)).toEqual(pick(gFloat));
        } else {
          expect(Array.from(gPacked)).toEqual(Array.from(gFloat));
          report(`packed weight gradient ${label}`, relativeError(gPacked, matmulRef(x, dz, features, outputs, rows, true, false)), PRODUCT_TOL);
        }
      }
    });
  }
});
