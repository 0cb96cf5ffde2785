// pool.wgsl — max pooling: a level whose neurons each take the largest value of a window of
// neurons in an earlier level. No weights, no bias; the level's activation is applied to the
// maximum (a ReLU after a max of ReLU outputs changes nothing).
//
// Layout: batch-major activations (row r, neuron i at r·n + i). The windows are a block's two
// edge orders, as the sparse kernels hold them (src/graph/csr.ts): by destination dst_ptr /
// src_of (window i's sources, in edge order), by source src_ptr / src_edges / dst_of.
//
// Entry points:
//   max_pool       out[r, i] = act(max over window i of input[r, ·]); argmax[r, i] = the source
//                  holding it (the first in edge order where several do)
//   max_pool_grad  out[r, j] = (Σ over windows i with argmax[r, i] = j of grad[r, i]) · act'(aux[r, j]),
//                  plus what out holds when ACCUMULATE (a level feeding several blocks):
//                  the gradient w.r.t. the source level's pre-activations, routed to each
//                  window's maximum as the forward chose it
//   max_pool_grad_windows  the same where the windows partition the source level (every
//                  source in exactly one window: pooling that neither overlaps nor leaves
//                  pixels out), by window: each invocation loads its window's winners and
//                  gradients once and writes every source of its window, where max_pool_grad
//                  loads them once per source (2×2 windows: about a third of the loads)
// ACT (activation.wgsl) is the pooling level's activation in max_pool and the source level's in
// max_pool_grad.
//
// Bindings (group 0):
//   @binding(0) params    : uniform Params { rows, dst, src }
//   @binding(1) dst_ptr   : storage, read u32  dst + 1             (max_pool, max_pool_grad_windows)
//   @binding(2) src_of    : storage, read u32  edges               (max_pool, max_pool_grad_windows)
//   @binding(3) input     : storage, read      rows × src          (max_pool)
//   @binding(4) out       : storage, rw        rows × dst (max_pool) or rows × src (max_pool_grad)
//   @binding(5) argmax    : storage, rw u32    rows × dst          (max_pool writes, max_pool_grad reads)
//   @binding(6) src_ptr   : storage, read u32  src + 1             (max_pool_grad)
//   @binding(7) src_edges : storage, read u32  edges               (max_pool_grad)
//   @binding(8) dst_of    : storage, read u32  edges               (max_pool_grad)
//   @binding(9) grad      : storage, read      rows × dst          (the grad entry points)
//   @binding(10) aux      : storage, read      rows × src          (the grad entry points: the source's activations)
//
// Dispatch: workgroup 8×8; invocation x takes 4 batch rows, y one neuron (a window in max_pool
// and max_pool_grad_windows, a source in max_pool_grad); grid (ceil(rows / 32), ceil(neurons / 8), 1).

override ACCUMULATE: bool = false;
override ACT: u32 = 0u;

struct Params {
  rows: u32,
  dst: u32,
  src: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dst_ptr: array<u32>;
@group(0) @binding(2) var<storage, read> src_of: array<u32>;
@group(0) @binding(3) var<storage, read> input: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(6) var<storage, read> src_ptr: array<u32>;
@group(0) @binding(7) var<storage, read> src_edges: array<u32>;
@group(0) @binding(8) var<storage, read> dst_of: array<u32>;
@group(0) @binding(9) var<storage, read> grad: array<f32>;
@group(0) @binding(10) var<storage, read> aux: array<f32>;

// Offsets of the 4 batch rows r0..r0+3 in a rows × width array (rows past the batch repeat
// the last one and are never stored).
fn row_offsets(r0: u32, width: u32) -> vec4<u32> {
  return min(vec4<u32>(r0, r0 + 1u, r0 + 2u, r0 + 3u), vec4<u32>(params.rows - 1u)) * width;
}

@compute @workgroup_size(8, 8, 1)
fn max_pool(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * 4u;
  let i = id.y;
  if (r0 >= params.rows || i >= params.dst) { return; }
  let at = row_offsets(r0, params.src);
  let first = dst_ptr[i];
  let end = dst_ptr[i + 1u];
  // A window has at least one source (the runtime refuses an empty one).
  var j = src_of[first];
  var best = vec4<f32>(input[at.x + j], input[at.y + j], input[at.z + j], input[at.w + j]);
  var arg = vec4<u32>(j);
  for (var e = first + 1u; e < end; e = e + 1u) {
    j = src_of[e];
    let v = vec4<f32>(input[at.x + j], input[at.y + j], input[at.z + j], input[at.w + j]);
    // Strictly greater: the first source in edge order keeps a tie.
    let higher = v > best;
    best = select(best, v, higher);
    arg = select(arg, vec4<u32>(j), higher);
  }
  let o = row_offsets(r0, params.dst) + vec4<u32>(i);
  out[o.x] = activate(best.x); argmax[o.x] = arg.x;
  if (r0 + 1u < params.rows) { out[o.y] = activate(best.y); argmax[o.y] = arg.y; }
  if (r0 + 2u < params.rows) { out[o.z] = activate(best.z); argmax[o.z] = arg.z; }
  if (r0 + 3u < params.rows) { out[o.w] = activate(best.w); argmax[o.w] = arg.w; }
}

@compute @workgroup_size(8, 8, 1)
fn max_pool_grad(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * 4u;
  let j = id.y;
  if (r0 >= params.rows || j >= params.src) { return; }
  let at = row_offsets(r0, params.dst);
  var sum = vec4<f32>(0.0);
  let end = src_ptr[j + 1u];
  for (var t = src_ptr[j]; t < end; t = t + 1u) {
    let i = dst_of[src_edges[t]];
    let won = vec4<u32>(argmax[at.x + i], argmax[at.y + i], argmax[at.z + i], argmax[at.w + i]) == vec4<u32>(j);
    let g = vec4<f32>(grad[at.x + i], grad[at.y + i], grad[at.z + i], grad[at.w + i]);
    sum = sum + select(vec4<f32>(0.0), g, won);
  }
  let o = row_offsets(r0, params.src) + vec4<u32>(j);
  store_grad(r0, o.x, sum.x);
  store_grad(r0 + 1u, o.y, sum.y);
  store_grad(r0 + 2u, o.z, sum.z);
  store_grad(r0 + 3u, o.w, sum.w);
}

// out[at] of max_pool_grad for batch row r: the routed sum times act'(aux), plus what out holds
// when ACCUMULATE; rows past the batch are not stored.
fn store_grad(r: u32, at: u32, value: f32) {
  if (r >= params.rows) { return; }
  var v = value * activate_grad(aux[at]);
  if (ACCUMULATE) { v = v + out[at]; }
  out[at] = v;
}

@compute @workgroup_size(8, 8, 1)
fn max_pool_grad_windows(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * 4u;
  let i = id.y;
  if (r0 >= params.rows || i >= params.dst) { return; }
  let at = row_offsets(r0, params.dst) + vec4<u32>(i);
  let winner = vec4<u32>(argmax[at.x], argmax[at.y], argmax[at.z], argmax[at.w]);
  let g = vec4<f32>(grad[at.x], grad[at.y], grad[at.z], grad[at.w]);
  let end = dst_ptr[i + 1u];
  for (var e = dst_ptr[i]; e < end; e = e + 1u) {
    let j = src_of[e];
    // The same value a source gets in max_pool_grad: its one window's gradient where it won, else 0.
    let sum = select(vec4<f32>(0.0), g, winner == vec4<u32>(j));
    let o = row_offsets(r0, params.src) + vec4<u32>(j);
    store_grad(r0, o.x, sum.x);
    store_grad(r0 + 1u, o.y, sum.y);
    store_grad(r0 + 2u, o.z, sum.z);
    store_grad(r0 + 3u, o.w, sum.w);
  }
}
