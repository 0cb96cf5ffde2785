import { AdapterLimitError, ConfigError } from '../errors.js';
import { type Activation, activationCode, activationGradConstants } from './activation.js';
import { type Dispatch, type Recorder, prepare, unusedOutput } from './dispatch.js';
import { type BindingNeed, checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';
import { describe } from '../args.js';

/** Rows of out computed by one matmul invocation (BLOCK in dense.wgsl; twice that when TALL). */
const BLOCK = 8;
/**
 * Output columns from which a product uses 16-column blocks (in SwiftShader, alternated in one
 * process: a 256×784·784×96 forward 7.3 → 5.9 ms and its weight gradient 7.3 → 6.4 ms, with
 * the workgroup shape below; 64 columns 6.2 → 4.5 ms; 128 and wider as before).
 */
export const WIDE_FROM = 64;
/**
 * Output rows from which products of more than 4 columns use 16-row blocks (TALL): a 16×16
 * block loads 1/8 of a value per FMA against 3/16 for 8×16 (matrix product 1024² on SwiftShader
 * in Chromium: 4.5–4.8 → 5.2–6.3 GFLOP/s; the 784-10 layer's forward and weight gradient
 * 20–30% faster in Node).
 */
export const TALL_FROM = 128;
/** Output columns up to which one block spans the whole width (n rounded up to 4). */
export const NARROW_UP_TO = 16;
/** Invocations per matmul workgroup, before {@link matmulGroupShape} shrinks it for small grids. */
const GROUP = 64;

/**
 * Columns of out per invocation, in groups of 4 (COL_GROUPS in dense.wgsl): outputs of at
 * most 16 columns in one block of their own width rounded up to 4 (a 10-class output: 12, not
 * two blocks of 8 that load 16 columns of weights for 10), outputs of {@link WIDE_FROM} or more
 * 16, others 8.
 */
export function matmulColumnGroups(n: number): number {
  if (n <= NARROW_UP_TO) return Math.ceil(n / 4);
  return n >= WIDE_FROM ? 4 : 2;
}

/**
 * Workgroups a training-batch product gets at least, where its rows allow: a software adapter runs one
 * workgroup on one thread, and a 784-10 layer's products (256×784·784×10 forward, 784×256·256×10
 * weight gradient) were one workgroup each, so one core of two did all their work (forward 1.9 →
 * 0.9 ms with four workgroups; a GPU wants them spread over its units all the more).
 */
export const MIN_GROUPS = 8;
/**
 * Invocations a workgroup keeps at least, however few its groups: SwiftShader runs 4 lanes at a
 * time, and workgroups of 2 invocations ran the same product 2x slower than workgroups of 4.
 */
const MIN_INVOCATIONS = 4;

/**
 * The rows a product's workgroup count is planned for: a training batch. Planning for the
 * real m would give every distinct m (validation batches, each level's weight gradient) its
 * own pipelines, and a matmul pipeline takes 0.5–2 s to compile on SwiftShader.
 */
const PLANNED_ROWS = 256;

/**
 * A product's grid: `columnGroups` across, `rowGroups` down, and past `most` row groups (the
 * adapter's workgroups a dimension: a batch of millions of rows) the rest along z, each slice
 * `rowGroups / z` groups (dense.wgsl's matmul and matmul_split: the last slice's extra groups
 * return at once).
 */
export function productGrid(columnGroups: number, rowGroups: number, most: number): [number, number, number] {
  const z = Math.ceil(Math.max(1, rowGroups) / most);
  return [columnGroups, Math.ceil(Math.max(1, rowGroups) / z), z];
}

/**
 * The cut of a product on a software adapter (`software`, the default), else on a GPU (see
 * `hardwareMatmulPlan` in src/kernels/dense.ts; there the inner dimension `k` decides whether
 * the product runs split, see {@link SPLIT_OUTPUTS_PER_INNER}). On a software adapter: across the columns,
 * the power of two up to 8 invocations that leaves the fewest of the output's column blocks
 * without work (the largest among equals), and the rest down the rows; then fewer rows per
 * workgroup (down to 4 invocations, `MIN_INVOCATIONS`) until a product of 256 rows
 * (`PLANNED_ROWS`) has 8 workgroups (`MIN_GROUPS`). The shape depends on n and on whether m
 * reaches 128 (`TALL_FROM`; 16-row blocks, `tall`),
 * not on m itself: every distinct shape is a pipeline to compile. (Columns by the smallest
 * power of two that covers them had 96 columns in 12 blocks of 8 run as two groups of 8
 * invocations, 4 of them idle: the 784-96-10 layer's forward and weight gradient, with
 * 16-column blocks in groups of 2, are 12–19% faster; a 344-wide level's 10–12%.)
 */
export function matmulGroupShape(m: number, n: number, software = true, k = 0): MatmulPlan {
  if (!software) return hardwareMatmulPlan(m, n, k);
  const colGroups = matmulColumnGroups(n);
  const columnBlocks = Math.ceil(n / (4 * colGroups));
  let x = 1;
  for (const candidate of [2, 4, 8]) {
    if (Math.ceil(columnBlocks / candidate) * candidate <= Math.ceil(columnBlocks / x) * x) x = candidate;
  }
  const tall = colGroups >= 2 && m >= TALL_FROM;
  const blockRows = tall ? 2 * BLOCK : BLOCK;
  let y = GROUP / x;
  const groups = (rowsPerGroup: number) => Math.ceil(columnBlocks / x) * Math.ceil(PLANNED_ROWS / rowsPerGroup);
  while (y > 1 && (x * y) / 2 >= MIN_INVOCATIONS && groups(blockRows * y) < MIN_GROUPS) y /= 2;
  return { x, y, colGroups, tall };
}

/**
 * How a matrix product is cut up (overrides of dense.wgsl's matmul): each invocation computes
 * (8 or, when `tall`, 16) rows × 4·`colGroups` columns of out, and a workgroup is `x`×`y`
 * invocations. {@link matmulGroupShape} picks one per product; {@link MatmulArgs.plan} sets it.
 */
export interface MatmulPlan {
  /** Invocations across the columns of a workgroup. */
  x: number;
  /** Invocations down the rows of a workgroup. */
  y: number;
  /** Groups of 4 columns per invocation, 1–4. */
  colGroups: number;
  /** 16 rows per invocation instead of 8. */
  tall: boolean;
  /**
   * One 8×4 block of out per workgroup of 64 invocations that share the inner dimension
   * (dense.wgsl's matmul_split; x, y, colGroups and tall are then not used): for a GPU's
   * products with few outputs and a long inner dimension.
   */
  split?: boolean;
}

/**
 * Outputs (m·n) from which a hardware adapter computes 16×8 blocks per invocation: below it,
 * 8×4 blocks (more invocations to spread over the GPU's units; a register block of 128
 * values leaves too few of them for small products).
 */
export const HARDWARE_BIG_FROM = 2048 * 2048;

/**
 * The cut of a product on a hardware adapter (a GPU). Its own shapes, from a sweep of 48 cuts
 * over 11 products on an NVIDIA H200 (Dawn, Vulkan; bench/results/h200-matmul-sweep.json):
 * 8×4 blocks in workgroups of 64 invocations, as many across the columns as there are column
 * blocks up to 16, were within 1.1x of each product's best cut below 2048² (the software cut,
 * 16×16 blocks, ran them 2–8x slower), and 16×8 blocks in 8×8 workgroups the best from 2048²
 * (4096²: 24.4 TFLOP/s, against 9.0 with the software cut). Products of few outputs over a long
 * inner dimension run split instead (see {@link SPLIT_OUTPUTS_PER_INNER}).
 */
function hardwareMatmulPlan(m: number, n: number, k: number): MatmulPlan {
  if (m * n >= HARDWARE_BIG_FROM) return { x: 8, y: 8, colGroups: 2, tall: true };
  const columnBlocks = Math.ceil(n / 4);
  let x = 1;
  while (x < 16 && x < columnBlocks) x *= 2;
  const plan = { x, y: GROUP / x, colGroups: 1, tall: false };
  return k >= SPLIT_FROM_INNER && m * n < SPLIT_OUTPUTS_PER_INNER * k ? { ...plan, split: true } : plan;
}

/**
 * A hardware adapter's product of fewer outputs (m·n) than this many times its inner dimension
 * k (k ≥ {@link SPLIT_FROM_INNER}) runs split: dense.wgsl's matmul_split, a workgroup per 8×4
 * block whose 64 invocations share the inner dimension, where the cut above gives each 8×4
 * block one invocation walking all of k and leaves most of a GPU idle. From 15 products of
 * training and inference steps on an NVIDIA H200 (bench/results/h200-matmul-split-sweep.json):
 * split was 1.7–8.9x faster on each of the 12 below this line (a classifier's 256×784 · 784×10
 * forward 0.10 → 0.018 ms) and 0.6–0.95x on the 3 above it.
 */
export const SPLIT_OUTPUTS_PER_INNER = 192;
/** See {@link SPLIT_OUTPUTS_PER_INNER}: below this inner dimension the split's sums have little to share. */
export const SPLIT_FROM_INNER = 64;

/** What the matmul kernel does with each output value before storing it. */
export type Epilogue = 'none' | 'bias-activation' | 'activation-grad';
/** The `FINISH` override of each epilogue. */
export const FINISH_CODE: Record<Epilogue, number> = { none: 0, 'bias-activation': 1, 'activation-grad': 2 };

/** out (m×n) = epilogue(op(lhs) · op(rhs)); see the header of shaders/dense.wgsl. */
export interface MatmulArgs {
  m: number;
  n: number;
  k: number;
  lhs: BindingResource;
  rhs: BindingResource;
  out: BindingResource;
  /** lhs is stored k×m (so the product uses its transpose). */
  transLhs?: boolean;
  /** rhs is stored n×k. */
  transRhs?: boolean;
  epilogue?: Epilogue;
  /** Add the product to what `out` holds (summing several connection blocks) before the epilogue. */
  accumulate?: boolean;
  activation?: Activation;
  /** n values, for `bias-activation`. */
  bias?: BindingResource;
  /** m×n activations of the layer below, for `activation-grad`. */
  aux?: BindingResource;
  /**
   * Dropout's keep probability (1 − rate, see {@link dropoutKeep}) on the source level whose
   * activations `aux` holds: they are stored dropped out, the kept ones scaled by 1 / keep, and a
   * tanh or sigmoid derivative is taken from them times keep (DROP_KEEP in
   * shaders/activation.wgsl). Default 1: not dropped.
   */
  dropKeep?: number;
  /** m×n 0/1 values: where 0 the result is stored as 0 (the weight gradient of a dense block lacking edges). */
  mask?: BindingResource;
  /**
   * Only `count` rows of a block's weight matrix take part, listed (ascending u32 indices) in
   * `indices`: a masked dense block whose edges leave few of its sources (a split's new level
   * is fed by the ~20% of inputs that had selected edges). `along: 'k'`: the inner dimension
   * walks only those indices (forward x·W; k stays the stored extent). `along: 'm'`: only those
   * rows of out are computed and stored (weight gradient xᵀ·dz; m stays the stored extent, the
   * other rows are left as they are). `compact`: the weight matrix stores only those rows, in
   * order (count × n): the forward's rhs and the weight gradient's out (and mask) are
   * that compact matrix, and m / k are the input's extents.
   */
  activeRows?: { indices: BindingResource; count: number; along: 'k' | 'm'; compact?: boolean };
  /**
   * lhs holds bytes packed four to a u32 (low byte first), `words` words per stored row, each
   * byte b standing for b · `scale`: a batch of u8 inputs as the batch gather leaves it when
   * it does not unpack them (see {@link PackedBytes}). Forward products then load one word
   * per 4 inner values and weight gradients one word per 4 output rows.
   */
  lhsBytes?: PackedBytes;
  /** The product's cut (see {@link MatmulPlan}) instead of {@link matmulGroupShape}'s. */
  plan?: MatmulPlan;
}

/**
 * Whether bytes scaled by `scale` are [0, 1] intensities (b / 255), which the kernels then
 * unpack with unpack4x8unorm: cheaper than shifts and masks on a software adapter, and the same
 * bits as b · f32(1/255) there (dense.wgsl and sparse.wgsl, UNORM).
 */
export function isUnormScale(scale: number): boolean {
  return Math.fround(scale) === Math.fround(1 / 255);
}

/** Rows of bytes packed four to a u32 word (low byte first); byte b stands for b · scale (· factor). */
export interface PackedBytes {
  /** Words per row (rows start on a word; the last word's spare bytes are zero). */
  words: number;
  scale: number;
  /**
   * Every value b · scale also times this float32 (default 1): input dropout's 1 / (1 − rate),
   * whose gather zeroed the dropped bytes (see `FitOptions.inputDropout`).
   */
  factor?: number;
}

/** The kernels' BYTE_FACTOR constant of bytes whose values are multiplied by `factor` (none where it is 1). */
export function byteFactorConstant(factor: number | undefined): { BYTE_FACTOR?: number } {
  return factor !== undefined && factor !== 1 ? { BYTE_FACTOR: Math.fround(factor) } : {};
}

/** A recorded tiled matrix product with its fused epilogue. */
export async function matmul(rec: Recorder, a: MatmulArgs): Promise<Dispatch> {
  if (a.mask && a.epilogue && a.epilogue !== 'none') throw new ConfigError(`matmul: a mask shares its binding with the ${a.epilogue} epilogue's operand; use one or the other`);
  // Without its operand the epilogue would read lhs in its place (the binding must hold a buffer).
  if (a.epilogue === 'bias-activation' && !a.bias) throw new ConfigError('matmul: the bias-activation epilogue needs bias (n values)');
  if (a.epilogue === 'activation-grad' && !a.aux) throw new ConfigError('matmul: the activation-grad epilogue needs aux (the m × n activations)');
  checkSizes('matmul', { m: a.m, n: a.n, k: a.k, ...(a.activeRows ? { 'activeRows.count': a.activeRows.count } : {}), ...(a.lhsBytes ? { 'lhsBytes.words': a.lhsBytes.words } : {}) });
  checkBindings('matmul', matmulNeeds(a));
  const along = a.activeRows?.along;
  const m = along === 'm' ? a.activeRows!.count : a.m;
  const k = along === 'k' ? a.activeRows!.count : a.k;
  const shape = a.plan ?? matmulGroupShape(m, a.n, rec.kernels.software, k);
  if (a.plan) checkPlan(a.plan, rec.device.limits);
  // Operands read as vectors where whole ones fit (LHS4, RHS_VEC in dense.wgsl).
  const lhs4 = !a.lhsBytes && !a.transLhs && along !== 'k' && a.k % 4 === 0;
  const rhsVec = a.transRhs ? 1 : a.n % 4 === 0 ? 4 : a.n % 2 === 0 ? 2 : 1;
  const operands = {
    TRANS_LHS: a.transLhs ?? false,
    TRANS_RHS: a.transRhs ?? false,
    ACCUMULATE: a.accumulate ?? false,
    FINISH: FINISH_CODE[a.epilogue ?? 'none'],
    MASKED: Boolean(a.mask),
    ...(a.epilogue === 'activation-grad' ? activationGradConstants(a.activation ?? 'identity', a.dropKeep) : { ACT: activationCode(a.activation ?? 'identity') }),
    ACTIVE_K: along === 'k',
    ACTIVE_M: along === 'm',
    COMPACT: a.activeRows?.compact ?? false,
    LHS_U8: Boolean(a.lhsBytes),
    UNORM: Boolean(a.lhsBytes) && isUnormScale(a.lhsBytes!.scale),
    ...byteFactorConstant(a.lhsBytes?.factor),
    LHS4: lhs4,
    RHS_VEC: rhsVec,
  };
  // matmul_split's blocks are fixed (8×4, a workgroup each): it takes none of the cut's overrides.
  const kernel = await rec.kernels.get(
    shape.split
      ? { ...family('dense'), entryPoint: 'matmul_split', constants: operands }
      : { ...family('dense'), entryPoint: 'matmul', constants: { ...operands, WG_X: shape.x, WG_Y: shape.y, COL_GROUPS: shape.colGroups, TALL: shape.tall } },
  );
  const most = rec.device.limits.maxComputeWorkgroupsPerDimension;
  const grid = shape.split
    ? productGrid(Math.ceil(a.n / 4), Math.ceil(m / BLOCK), most)
    : productGrid(Math.ceil(a.n / (4 * shape.colGroups * shape.x)), Math.ceil(m / ((shape.tall ? 2 : 1) * BLOCK * shape.y)), most);
  if (grid[0] > most || grid[2] > most) throw new AdapterLimitError(`matmul: a ${m}×${a.n} output needs ${grid.join('×')} workgroups, more than the adapter's ${most} a dimension`);
  // Bindings the chosen epilogue never reads still need a buffer: they reuse lhs.
  return prepare(
    rec,
    kernel,
    { m, n: a.n, k, m_full: a.m, k_full: a.k, lhs_words: a.lhsBytes?.words ?? 0, lhs_scale: a.lhsBytes?.scale ?? 1 },
    {
      lhs: a.lhs,
      rhs: a.rhs,
      out: a.out,
      // The epilogue's one operand (dense.wgsl binds 8 storage buffers at most).
      aux: (a.epilogue === 'bias-activation' ? a.bias : a.epilogue === 'activation-grad' ? a.aux : a.mask) ?? a.lhs,
      active_rows: a.activeRows?.indices ?? a.lhs,
      lhs4: lhs4 ? a.lhs : unusedOutput(rec),
      rhs4: rhsVec === 4 ? a.rhs : unusedOutput(rec),
      rhs2: rhsVec === 2 ? a.rhs : unusedOutput(rec),
    },
    grid,
  );
}

/** What each binding of {@link matmul} must hold for its shape (m, n, k the stored extents; see {@link MatmulArgs}). */
function matmulNeeds(a: MatmulArgs): Record<string, BindingNeed> {
  const along = a.activeRows?.along;
  const compact = a.activeRows?.compact ?? false;
  const active = a.activeRows?.count ?? 0;
  // Compact weights store only the active rows: the forward's rhs (along k), the weight gradient's out (along m).
  const rhsRows = along === 'k' && compact ? active : a.k;
  const outRows = along === 'm' && compact ? active : a.m;
  const outHolds = along === 'm' && compact ? 'activeRows.count × n floats' : 'm × n floats';
  const lhsRows = a.transLhs ? a.k : a.m;
  return {
    lhs: a.lhsBytes ? words(a.lhs, lhsRows * a.lhsBytes.words, `${a.transLhs ? 'k' : 'm'} × lhsBytes.words words`) : words(a.lhs, a.m * a.k, 'm × k floats'),
    rhs: words(a.rhs, rhsRows * a.n, along === 'k' && compact ? 'activeRows.count × n floats' : 'k × n floats'),
    out: words(a.out, outRows * a.n, outHolds),
    bias: words(a.epilogue === 'bias-activation' ? a.bias : undefined, a.n, 'n floats'),
    aux: words(a.epilogue === 'activation-grad' ? a.aux : undefined, a.m * a.n, 'm × n floats'),
    mask: words(a.mask, outRows * a.n, outHolds),
    'activeRows.indices': words(a.activeRows?.indices, active, 'activeRows.count u32 indices'),
  };
}

/** Throws a {@link ConfigError} for a plan the kernel or the device cannot run. */
function checkPlan(plan: MatmulPlan, limits: GPUSupportedLimits): void {
  const { x, y, colGroups } = plan;
  if (!Number.isInteger(colGroups) || colGroups < 1 || colGroups > 4) throw new ConfigError(`matmul plan: colGroups must be 1, 2, 3 or 4, got ${describe(colGroups)}`);
  const most = limits.maxComputeInvocationsPerWorkgroup;
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 1 || y < 1 || x * y > most || x > limits.maxComputeWorkgroupSizeX || y > limits.maxComputeWorkgroupSizeY) {
    throw new ConfigError(
      `matmul plan: a workgroup of ${x}×${y} invocations is outside the adapter's limits (at most ${most} invocations, ` +
        `${limits.maxComputeWorkgroupSizeX} across, ${limits.maxComputeWorkgroupSizeY} down)`,
    );
  }
}

/** db (n) = column sums of dz (m×n); 4 columns per invocation when n is a multiple of 4. */
export async function biasGrad(
  rec: Recorder,
  a: { m: number; n: number; dz: BindingResource; db: BindingResource },
): Promise<Dispatch> {
  checkSizes('biasGrad', { m: a.m, n: a.n });
  checkBindings('biasGrad', { dz: words(a.dz, a.m * a.n, 'm × n floats'), db: words(a.db, a.n, 'n floats') });
  const vec4 = a.n % 4 === 0;
  const kernel = await rec.kernels.get({ ...family('dense'), entryPoint: vec4 ? 'bias_grad_vec4' : 'bias_grad' });
  const resources: Record<string, BindingResource> = vec4 ? { lhs4: a.dz, out4: a.db } : { lhs: a.dz, out: a.db };
  return prepare(rec, kernel, { m: a.m, n: a.n, k: 0 }, resources, kernel.groupsFor1D(vec4 ? a.n / 4 : a.n));
}

/** dz = da ⊙ act'(a), elementwise over m×n. */
export async function activationGrad(
  rec: Recorder,
  a: { m: number; n: number; activation: Activation; da: BindingResource; a: BindingResource; dz: BindingResource },
): Promise<Dispatch> {
  checkSizes('activationGrad', { m: a.m, n: a.n });
  const values = a.m * a.n;
  checkBindings('activationGrad', { da: words(a.da, values, 'm × n floats'), a: words(a.a, values, 'm × n floats'), dz: words(a.dz, values, 'm × n floats') });
  const kernel = await rec.kernels.get({
    ...family('dense'),
    entryPoint: 'activation_grad',
    constants: { ACT: activationCode(a.activation) },
  });
  return prepare(rec, kernel, { m: a.m, n: a.n, k: 0 }, { lhs: a.da, aux: a.a, out: a.dz }, kernel.groupsFor1D(a.m * a.n));
}
