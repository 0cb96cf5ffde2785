import { type Dispatch, prepare, type Recorder } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/**
 * Shared parameters' gradients (shaders/tie.wgsl): every slot of each of `groups` groups gets
 * the sum of the group's gradients in `grads`. `start` (groups + 1 offsets) and `members`
 * (slot indices, ascending within a group) are a structure's `tieGroups`; training records
 * this after the backward pass. `wide`: one workgroup per group (tie_gradients_wide) instead of
 * one invocation (default: on a GPU, not on a software adapter); the sums then run in another
 * order, the same for every member of a group.
 */
export async function tieGradients(
  rec: Recorder,
  a: { groups: number; start: BindingResource; members: BindingResource; grads: BindingResource; wide?: boolean },
): Promise<Dispatch> {
  // members and grads are reached through start's values, which stay on the GPU: start alone is checked.
  checkSizes('tieGradients', { groups: a.groups });
  checkBindings('tieGradients', { start: words(a.start, a.groups + 1, 'groups + 1 u32 offsets') });
  const wide = a.wide ?? !rec.kernels.software;
  const kernel = await rec.kernels.get({ ...family('tie'), entryPoint: wide ? 'tie_gradients_wide' : 'tie_gradients' });
  // Wide: one workgroup per group, so as many workgroups as groups.
  const grid = kernel.groupsFor1D(wide ? a.groups * kernel.workgroupSize[0] : a.groups);
  return prepare(rec, kernel, { groups: a.groups }, { start: a.start, members: a.members, grads: a.grads }, grid);
}
