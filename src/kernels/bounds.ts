import { describe } from '../args.js';
import { ShapeError } from '../errors.js';
import type { BindingResource } from './kernel.js';

/**
 * The argument checks of the kernel wrappers. A wrapper's sizes (rows, counts, a block's
 * edges) say how far its kernel reaches into each binding; the kernels clamp their loads, and a
 * runtime may have turned its bounds checks off, so a binding shorter than that gives wrong
 * values or reads past it, never an error. The wrappers check here instead, before anything is
 * recorded, and name the wrapper, the argument and both sizes. A binding of a fixed WGSL type
 * (a struct, an array of fixed length) is left to `Kernel.bindGroup`, which checks every
 * binding against its type.
 */

/** How many bytes a binding of `resource` exposes to a shader (a range without a size: to the buffer's end). */
export function boundBytes(resource: BindingResource): number {
  return 'buffer' in resource ? (resource.size ?? resource.buffer.size - (resource.offset ?? 0)) : resource.size;
}

/** Whether two resources bind the same bytes: the same buffer, from the same offset, as far. */
export function sameResource(a: BindingResource, b: BindingResource): boolean {
  const range = (r: BindingResource) => ('buffer' in r ? { buffer: r.buffer, offset: r.offset ?? 0 } : { buffer: r, offset: 0 });
  const [x, y] = [range(a), range(b)];
  return x.buffer === y.buffer && x.offset === y.offset && boundBytes(a) === boundBytes(b);
}

/**
 * A binding's least size for one dispatch: the resource given (undefined: not bound, not
 * checked), the bytes the kernel reaches, and what they hold (named in the error).
 */
export type BindingNeed = readonly [resource: BindingResource | undefined, bytes: number, holds: string];

/** `count` 4-byte values (f32 or u32) of `resource`; `holds` says what they are, e.g. `'m × k floats'`. */
export function words(resource: BindingResource | undefined, count: number, holds: string): BindingNeed {
  return [resource, 4 * count, `${holds} = ${count}`];
}

/** Throws a {@link ShapeError} naming `fn` and the size unless every value of `sizes` is an integer in [0, 2³²). */
export function checkSizes(fn: string, sizes: Record<string, number>): void {
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new ShapeError(`${fn}: ${name} must be a non-negative integer, got ${describe(value)}`);
  }
}

/** Throws a {@link ShapeError} naming `fn`, the binding and both sizes where a binding holds fewer bytes than its need. */
export function checkBindings(fn: string, needs: Record<string, BindingNeed>): void {
  for (const [name, [resource, bytes, holds]] of Object.entries(needs)) {
    if (!resource) continue;
    const bound = boundBytes(resource);
    if (bound < bytes) throw new ShapeError(`${fn}: ${name} binds ${bound} bytes, fewer than the ${bytes} of ${holds}`);
  }
}
