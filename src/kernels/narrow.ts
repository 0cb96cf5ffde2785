import { ShapeError } from '../errors.js';
import type { Activation } from './activation.js';
import { activationGradConstants } from './activation.js';
import { type Dispatch, prepare, type Recorder } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/** Neurons a level may have at most for {@link narrowBackward} (three vec4 column groups). */
export const NARROW_MAX = 12;
/** Source neurons per invocation (NEURONS in shaders/narrow.wgsl). */
const NEURONS = 8;

/** The backward of a dense block from a hidden level into a level of at most {@link NARROW_MAX} neurons. */
export interface NarrowBackwardArgs {
  rows: number;
  /** Neurons of the source level. */
  src: number;
  /** Neurons of the destination level (1 … {@link NARROW_MAX}). */
  n: number;
  /** rows × src activations of the source level. */
  act: BindingResource;
  /** rows × n gradient w.r.t. the destination's pre-activations. */
  dz: BindingResource;
  /** src × n weights, row-major. */
  weight: BindingResource;
  /** rows × src: receives (dz · Wᵀ) · act'(act), or has it added when `accumulate`. */
  dx: BindingResource;
  /** src × n: receives actᵀ · dz. */
  dw: BindingResource;
  /** The source level's activation (its derivative multiplies dx). */
  activation: Activation;
  /** Dropout's keep probability on the source level whose activations `act` holds (see `MatmulArgs.dropKeep`); default 1, not dropped. */
  dropKeep?: number;
  accumulate?: boolean;
  /** src × n 0/1 values: where 0 the weight gradient is stored as 0 (a dense block lacking edges). */
  mask?: BindingResource;
}

/**
 * Both backward products of a dense block into a narrow level in one dispatch: the input
 * gradient of the source level and the block's weight gradient, with one pass over the batch
 * (see shaders/narrow.wgsl). The same values as dense.wgsl's two products (`matmul` with the
 * `activation-grad` epilogue, and `transLhs` with `mask`), summed in another order.
 */
export async function narrowBackward(rec: Recorder, a: NarrowBackwardArgs): Promise<Dispatch> {
  if (!(Number.isInteger(a.n) && a.n >= 1 && a.n <= NARROW_MAX)) throw new ShapeError(`narrowBackward serves levels of 1 to ${NARROW_MAX} neurons, got ${a.n}`);
  checkSizes('narrowBackward', { rows: a.rows, src: a.src });
  const [level, block] = [a.rows * a.src, a.src * a.n];
  checkBindings('narrowBackward', {
    act: words(a.act, level, 'rows × src floats'),
    dz: words(a.dz, a.rows * a.n, 'rows × n floats'),
    weight: words(a.weight, block, 'src × n floats'),
    dx: words(a.dx, level, 'rows × src floats'),
    dw: words(a.dw, block, 'src × n floats'),
    mask: words(a.mask, block, 'src × n floats'),
  });
  const kernel = await rec.kernels.get({
    ...family('narrow'),
    entryPoint: 'narrow_backward',
    constants: {
      ...activationGradConstants(a.activation, a.dropKeep),
      ACCUMULATE: a.accumulate ?? false,
      MASKED: Boolean(a.mask),
      COL_GROUPS: Math.ceil(a.n / 4),
    },
  });
  return prepare(
    rec,
    kernel,
    { rows: a.rows, src: a.src, n: a.n },
    // Without a mask its binding still needs a buffer: it reuses dz.
    { act: a.act, dz: a.dz, weight: a.weight, dx: a.dx, dw: a.dw, mask: a.mask ?? a.dz },
    kernel.groupsFor1D(Math.ceil(a.src / NEURONS)),
  );
}
