import { type Dispatch, prepare, type Recorder } from './dispatch.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/**
 * Shared parameters' gradients (shaders/tie.wgsl): every slot of each of `groups` groups gets
 * the sum of the group's gradients in `grads`. `start` (groups + 1 offsets) and `members`
 * (slot indices, ascending within a group) are a structure's `tieGroups`; training records
 * this after the backward pass.
 */
export async function tieGradients(rec: Recorder, a: { groups: number; start: BindingResource; members: BindingResource; grads: BindingResource }): Promise<Dispatch> {
  const kernel = await rec.kernels.get({ ...family('tie'), entryPoint: 'tie_gradients' });
  return prepare(rec, kernel, { groups: a.groups }, { start: a.start, members: a.members, grads: a.grads }, kernel.groupsFor1D(a.groups));
}
