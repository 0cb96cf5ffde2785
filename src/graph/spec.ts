import { ConfigError, ShapeError } from '../errors.js';
import { checkSeed } from '../data/random.js';
import { listArg, notOneOf, objectArg, describe, unknownChoice } from '../args.js';
import type { GpuContext } from '../gpu/context.js';
import { maxBindingBytes } from '../gpu/upload.js';
import { type Activation, checkActivation } from '../kernels/activation.js';
import { POOL_KINDS } from '../kernels/pool.js';
import { buildCsr } from './csr.js';
import { WEIGHT_INITS } from './initialise.js';
import type { Connections, NetworkSpec } from './networkTypes.js';
import { convolutionFilters } from './sharedSplit.js';
import { DENSE_FROM, DENSE_FROM_GPU, type StartingBlock } from './structure.js';

// What a network spec may hold, and how big a network the adapter can hold: checked before
// createNetwork allocates anything.

export function checkExpandable(spec: NetworkSpec): number[] {
  const last = spec.sizes.length - 1;
  const list = listArg('expandable', spec.expandable ?? [last]);
  for (const i of list) {
    if (!Number.isInteger(i) || i < 1 || i > last) throw new ConfigError(`expandable must list level indices in [1, ${last}], got ${describe(i)}`);
  }
  return [...list];
}

/** `denseFrom` checked, or the default of the adapter's kind (see {@link DENSE_FROM_GPU}). */
export function checkDenseFrom(denseFrom: number | undefined, software: boolean): number {
  if (denseFrom === undefined) return software ? DENSE_FROM : DENSE_FROM_GPU;
  if (!(typeof denseFrom === 'number' && denseFrom >= 0 && denseFrom <= 1)) throw new ConfigError(`denseFrom must be in [0, 1], got ${describe(denseFrom)}`);
  return denseFrom;
}

export function checkSpec(spec: NetworkSpec): Activation[] {
  objectArg('createNetwork: spec', spec);
  const sizes = spec.sizes;
  if (!Array.isArray(sizes) || sizes.length < 2) throw new ShapeError(`sizes must list at least inputs and outputs, got [${String(sizes)}]`);
  for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new ShapeError(`layer sizes must be positive integers, got [${sizes.join(', ')}]`);
  if (spec.seed !== undefined) checkSeed('seed', spec.seed);
  if (spec.init !== undefined && !WEIGHT_INITS.includes(spec.init)) throw new ConfigError(unknownChoice('init', spec.init, WEIGHT_INITS));
  const blocks = sizes.length - 1;
  const given = spec.activations ?? 'relu';
  if (typeof given === 'string') {
    const hidden = checkActivation(given);
    // A pooling level takes the largest or the mean of values already activated.
    const pools = (i: number) => Array.isArray(spec.connections) && spec.connections[i]?.pool !== undefined;
    return Array.from({ length: blocks }, (_, i) => (i === blocks - 1 || pools(i) ? 'identity' : hidden));
  }
  if (!Array.isArray(given)) throw new ConfigError(`activations must be an activation's name or a list of one per layer, got ${describe(given)}`);
  if (given.length !== blocks) throw new ShapeError(`${blocks} layers need ${blocks} activations, got ${given.length}`);
  return given.map((a) => checkActivation(a));
}

/**
 * Each block's starting edges from `spec.connections` as a CSR block with the values its
 * edges and its destinations' biases share, or null for a complete block; a ShapeError naming
 * the block and the edge for anything else (a source or destination out of its level, a
 * duplicate, lists of different lengths, no edge at all, a shared-value id that is not a
 * non-negative integer), a ConfigError for shared weights into a level of `expandable` that is
 * not laid out as a convolution's.
 */
export function checkConnections(spec: NetworkSpec, expandable: readonly number[] = []): (StartingBlock | null)[] {
  const blocks = spec.sizes.length - 1;
  const given = spec.connections ?? [];
  if (!Array.isArray(given) || given.length > blocks) {
    throw new ShapeError(`connections must list at most one entry per block (${blocks}), got ${Array.isArray(given) ? given.length : typeof given}`);
  }
  return Array.from({ length: blocks }, (_, i) => {
    const c = given[i];
    if (c === null || c === undefined) return null;
    const where = `connections[${i}] (${spec.sizes[i]} → ${spec.sizes[i + 1]})`;
    if (typeof c !== 'object' || typeof c.sources?.length !== 'number' || typeof c.destinations?.length !== 'number') {
      throw new ShapeError(`${where}: expected { sources, destinations }, two lists of neuron indices`);
    }
    if (c.sources.length === 0) throw new ShapeError(`${where}: no edges (leave the entry out for a complete block)`);
    // A list that knows the level it feeds (localConnections') says so before any edge does.
    const size = (c as { size?: unknown }).size;
    if (typeof size === 'number' && size !== spec.sizes[i + 1]) throw new ShapeError(`${where}: these connections feed a level of ${size} neurons; sizes[${i + 1}] is ${spec.sizes[i + 1]}`);
    let csr: ReturnType<typeof buildCsr>;
    try {
      csr = buildCsr(spec.sizes[i + 1]!, spec.sizes[i]!, c.destinations, c.sources);
    } catch (error) {
      if (error instanceof ShapeError) throw new ShapeError(`${where}: ${error.message}`);
      throw error;
    }
    const start: StartingBlock = { topology: csr.block };
    if (c.pool !== undefined) {
      checkPoolEntry(spec, i, c, where, expandable);
      start.pool = c.pool;
      return start;
    }
    if (c.ties !== undefined) {
      const ties = sharedIds(`${where}: ties`, c.ties, c.sources.length, 'edges');
      // Given in list order; the block holds them by edge id.
      start.ties = new Uint32Array(ties.length);
      for (let k = 0; k < ties.length; k++) start.ties[csr.idOf[k]!] = ties[k]!;
    }
    if (c.biasTies !== undefined) start.biasTies = sharedIds(`${where}: biasTies`, c.biasTies, spec.sizes[i + 1]!, 'neurons');
    if (start.ties && expandable.includes(i + 1) && (!start.biasTies || convolutionFilters(start.biasTies) === null)) {
      throw new ConfigError(
        `${where} shares its weights, so level ${i + 1} may be expandable only as a convolution's (neurons positions × filters, biasTies[d] = d mod filters, as convolutionConnections gives): its splits keep the sharing by position`,
      );
    }
    return start;
  });
}

/** Throw unless connections entry `i` (`pool` set) may feed a pooling level (see `Connections.pool`). */
function checkPoolEntry(spec: NetworkSpec, i: number, c: Connections, where: string, expandable: readonly number[]): void {
  if (!POOL_KINDS.includes(c.pool!)) throw new ConfigError(notOneOf(`${where}: pool`, c.pool, POOL_KINDS));
  if (c.ties !== undefined || c.biasTies !== undefined) throw new ConfigError(`${where}: pooling windows have no weights or biases to share`);
  if (i === 0) throw new ConfigError(`${where}: a pooling level must pool a hidden level, not the inputs (pool the data before training instead)`);
  if (i + 1 === spec.sizes.length - 1) throw new ConfigError(`${where}: the output level cannot be a pooling level (add a layer after it)`);
  if (expandable.includes(i + 1)) throw new ConfigError(`level ${i + 1} pools its inputs, so it cannot be expandable: it has no weights to split`);
  // The windows themselves (none empty) are checked with the structure, as a checkpoint's are.
}

/** A list of shared-value ids, one per edge or neuron: non-negative integers. */
function sharedIds(what: string, ids: ArrayLike<number>, length: number, of: string): Uint32Array {
  if (typeof ids?.length !== 'number' || ids.length !== length) throw new ShapeError(`${what} must hold one id per ${of.slice(0, -1)} (${length}), got ${typeof ids?.length === 'number' ? ids.length : typeof ids}`);
  const out = new Uint32Array(length);
  for (let k = 0; k < length; k++) {
    const id = ids[k]!;
    if (id >>> 0 !== id) throw new ShapeError(`${what}: entry ${k} is ${id}, not a non-negative integer`);
    out[k] = id;
  }
  return out;
}

/**
 * The most parameters a network can have on the adapter of `gpu`: its largest buffer, the
 * running edge statistics, holds three floats of each.
 */
export function maxParameters(gpu: Pick<GpuContext, 'limits'>): number {
  return Math.floor(maxBindingBytes(gpu.limits) / 12);
}
