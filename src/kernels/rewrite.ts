import { type Dispatch, prepare, type Recorder } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/**
 * The parameter rewrite of a structure change (shaders/rewrite.wgsl): new parameters and
 * optimizer moments from the old ones through `source` / `fill`.
 */
export async function rewrite(
  rec: Recorder,
  a: {
    count: number;
    source: BindingResource;
    fill: BindingResource;
    oldParams: BindingResource;
    oldMoment1: BindingResource;
    oldMoment2: BindingResource;
    newParams: BindingResource;
    newMoment1: BindingResource;
    newMoment2: BindingResource;
    /** Clear every moment (the reference code's behaviour) instead of carrying them. */
    resetMoments?: boolean;
  },
): Promise<Dispatch> {
  // The old buffers are reached through source's values, which stay on the GPU: the new layout's are checked.
  checkSizes('rewrite', { count: a.count });
  checkBindings('rewrite', {
    source: words(a.source, a.count, 'count u32 indices'),
    fill: words(a.fill, a.count, 'count floats'),
    newParams: words(a.newParams, a.count, 'count floats'),
    newMoment1: words(a.newMoment1, a.count, 'count floats'),
    newMoment2: words(a.newMoment2, a.count, 'count floats'),
  });
  const kernel = await rec.kernels.get({ ...family('rewrite'), entryPoint: 'rewrite', constants: { RESET_MOMENTS: a.resetMoments ?? false } });
  return prepare(
    rec,
    kernel,
    { count: a.count },
    {
      source: a.source,
      fill: a.fill,
      old_params: a.oldParams,
      old_m1: a.oldMoment1,
      old_m2: a.oldMoment2,
      new_params: a.newParams,
      new_m1: a.newMoment1,
      new_m2: a.newMoment2,
    },
    kernel.groupsFor1D(a.count),
  );
}
