// tie.wgsl — shared parameters: the gradient of one value held in several slots.
//
// A convolution stores each kernel weight once per window position (its edges are those of a
// locally connected layer, run by the sparse kernels) and each filter's bias once per neuron.
// The slots of one shared value form a group; after the backward pass this kernel gives every
// slot of a group the sum of the group's gradients, which is the gradient of the shared value.
// The optimizer then updates each slot with the same gradient, moments and step count, so
// slots that start equal stay equal, bit for bit: the sum is taken in the same (ascending
// slot) order for every member, by one invocation.
//
// Layout: group g's slots are members[start[g] .. start[g + 1]), ascending indices into the
// flat gradient buffer (the parameter layout of src/graph/structure.ts). Groups are disjoint.
//
// Bindings (group 0):
//   @binding(0) params  : uniform Params { groups }
//   @binding(1) start   : storage, read u32   groups + 1
//   @binding(2) members : storage, read u32   start[groups]
//   @binding(3) grads   : storage, read_write f32, the flat gradient buffer
//
// Dispatch: workgroup 64, one invocation per group, grid (x, y, 1) with x·y·64 ≥ groups.

struct Params {
  groups: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> start: array<u32>;
@group(0) @binding(2) var<storage, read> members: array<u32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn tie_gradients(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let g = id.x + id.y * groups.x * 64u;
  if (g >= params.groups) { return; }
  let first = start[g];
  let end = start[g + 1u];
  var sum = 0.0;
  for (var k = first; k < end; k++) {
    sum += grads[members[k]];
  }
  for (var k = first; k < end; k++) {
    grads[members[k]] = sum;
  }
}
