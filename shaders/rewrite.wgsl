// rewrite.wgsl — the edge-splitting (and pruning) rewrite of the parameter buffers.
//
// When the structure changes, every value of the new parameter layout either comes from a
// position of the old layout (a surviving weight or bias, or the original weight w moved to
// the new edge h → c) or is new (1 for p → h, ε for the near-zero edges, 0 for new biases).
// The CPU computes, once per expansion, `source[k]` (old index, or NEW = 0xffffffff) and
// `fill[k]`; this kernel then writes the new parameters and carries the optimizer moments
// along in one pass: moments of surviving values are kept, new ones start at zero (or all
// are cleared with RESET_MOMENTS, the reference code's behaviour). An old index with the
// NEGATED bit (0x80000000) takes the old value negated, and the first moment with it (the
// second is a square): the out-edge h⁻ → c, weight −w, of an exact split.
//
// Bindings (group 0):
//   @binding(0) params     : uniform Params { count }        values in the new layout
//   @binding(1) source     : storage, read u32   count       old index [| NEGATED] or 0xffffffff
//   @binding(2) fill       : storage, read       count       value for new entries
//   @binding(3) old_params : storage, read                  old parameter buffer
//   @binding(4) old_m1     : storage, read                  old first moments
//   @binding(5) old_m2     : storage, read                  old second moments
//   @binding(6) new_params : storage, read_write  count
//   @binding(7) new_m1     : storage, read_write  count
//   @binding(8) new_m2     : storage, read_write  count
// (8 storage buffers: WebGPU's default per-stage limit.)
//
// Dispatch: workgroup WIDTH (256), one invocation per new value, grid (x, y, 1) with x·y·WIDTH ≥ count.

// The width of this file's 256-wide workgroups: the device's most where it allows fewer (a
// compatibility-mode device's default is 128); set by KernelCache (wideWorkgroup, src/kernels/kernel.ts).
override WIDTH: u32 = 256u;
override RESET_MOMENTS: bool = false;

const NEW: u32 = 0xffffffffu;
const NEGATED: u32 = 0x80000000u;

struct Params {
  count: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source: array<u32>;
@group(0) @binding(2) var<storage, read> fill: array<f32>;
@group(0) @binding(3) var<storage, read> old_params: array<f32>;
@group(0) @binding(4) var<storage, read> old_m1: array<f32>;
@group(0) @binding(5) var<storage, read> old_m2: array<f32>;
@group(0) @binding(6) var<storage, read_write> new_params: array<f32>;
@group(0) @binding(7) var<storage, read_write> new_m1: array<f32>;
@group(0) @binding(8) var<storage, read_write> new_m2: array<f32>;

@compute @workgroup_size(WIDTH, 1, 1)
fn rewrite(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let k = id.x + id.y * groups.x * WIDTH;
  if (k >= params.count) { return; }
  let origin = source[k];
  if (origin == NEW) {
    new_params[k] = fill[k];
    new_m1[k] = 0.0;
    new_m2[k] = 0.0;
  } else {
    let at = origin & ~NEGATED;
    let sign = select(1.0, -1.0, (origin & NEGATED) != 0u);
    new_params[k] = sign * old_params[at];
    new_m1[k] = select(sign * old_m1[at], 0.0, RESET_MOMENTS);
    new_m2[k] = select(old_m2[at], 0.0, RESET_MOMENTS);
  }
}
