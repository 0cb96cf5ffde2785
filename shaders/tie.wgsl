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
// Entry points:
//   tie_gradients       one invocation per group sums its slots in ascending order. Dispatch:
//                       workgroup 64, grid (x, y, 1) with x·y·64 ≥ groups. For a software
//                       adapter, where a workgroup's lanes run on one core anyway.
//   tie_gradients_wide  one workgroup per group: lane l sums slots first + l, first + l + 64, …
//                       in turn, then the 64 lane sums are added pairwise (lane l and l + 32,
//                       then l and l + 16, …) and every lane writes the total to its slots.
//                       Every member still gets the same bits (one total per group), in another
//                       order than tie_gradients'. For a GPU, where one invocation walking a
//                       group's 784 slots (a 5×5 convolution at every pixel of 28×28) left it
//                       idle. Dispatch: workgroup 64, grid (x, y, 1) with x·y ≥ groups.

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

const WIDE: u32 = 64u;
var<workgroup> lane_sums: array<f32, WIDE>;

@compute @workgroup_size(64, 1, 1)
fn tie_gradients_wide(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let g = wg.x + wg.y * grid.x;
  // The same for the whole workgroup, so the barriers below stay in uniform control flow.
  if (g >= params.groups) { return; }
  let first = start[g];
  let end = start[g + 1u];
  var sum = 0.0;
  for (var k = first + lane; k < end; k += WIDE) {
    sum += grads[members[k]];
  }
  lane_sums[lane] = sum;
  workgroupBarrier();
  for (var half = WIDE / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      lane_sums[lane] += lane_sums[lane + half];
    }
    workgroupBarrier();
  }
  let total = lane_sums[0];
  for (var k = first + lane; k < end; k += WIDE) {
    grads[members[k]] = total;
  }
}
