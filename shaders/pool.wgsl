// pool.wgsl — pooling: a level whose neurons each take the largest value (max pooling) or the
// mean (AVERAGE) of a window of neurons in an earlier level. No weights, no bias; the level's
// activation is applied to the pooled value (a ReLU after a max or mean of ReLU outputs changes
// nothing).
//
// Layout: batch-major activations (row r, neuron i at r·n + i). The windows are a block's two
// edge orders, as the sparse kernels hold them (src/graph/csr.ts): by destination dst_ptr /
// src_of (window i's sources, in edge order), by source src_ptr / src_edges / dst_of.
//
// Entry points:
//   pool_forward   out[r, i] = act(max over window i of input[r, ·]); argmax[r, i] = the source
//                  holding it (the first in edge order where several do). With AVERAGE:
//                  act(the window's sum in edge order ÷ its size), no argmax
//   pool_grad      out[r, j] = (Σ over windows i with argmax[r, i] = j of grad[r, i]) · act'(aux[r, j]),
//                  plus what out holds when ACCUMULATE (a level feeding several blocks):
//                  the gradient w.r.t. the source level's pre-activations, routed to each
//                  window's maximum as the forward chose it. With AVERAGE every window i
//                  holding j gives it grad[r, i] ÷ the window's size
//   pool_grad_windows  the same where the windows partition the source level (every
//                  source in exactly one window: pooling that neither overlaps nor leaves
//                  pixels out), by window: each invocation loads its window's winners and
//                  gradients once and writes every source of its window, where pool_grad
//                  loads them once per source (2×2 windows: about a third of the loads)
// ACT (activation.wgsl) is the pooling level's activation in pool_forward and the source
// level's in the grad entry points.
//
// Bindings (group 0):
//   @binding(0) params    : uniform Params { rows, dst, src }
//   @binding(1) dst_ptr   : storage, read u32  dst + 1             (pool_forward, pool_grad_windows, pool_grad with AVERAGE)
//   @binding(2) src_of    : storage, read u32  edges               (pool_forward, pool_grad_windows)
//   @binding(3) input     : storage, read      rows × src          (pool_forward)
//   @binding(4) out       : storage, rw        rows × dst (pool_forward) or rows × src (the grad entry points)
//   @binding(5) argmax    : storage, rw u32    rows × dst          (pool_forward writes, the grad entry points read; not with AVERAGE)
//   @binding(6) src_ptr   : storage, read u32  src + 1             (pool_grad)
//   @binding(7) src_edges : storage, read u32  edges               (pool_grad)
//   @binding(8) dst_of    : storage, read u32  edges               (pool_grad)
//   @binding(9) grad      : storage, read      rows × dst          (the grad entry points)
//   @binding(10) aux      : storage, read      rows × src          (the grad entry points: the source's activations)
//
// Dispatch: workgroup 8×8; invocation x takes 4 batch rows, y one neuron (a window in
// pool_forward and pool_grad_windows, a source in pool_grad); grid (ceil(rows / 32), ceil(neurons / 8), 1),
// its rows going on along z past 65,535 workgroups along y, as in sparse.wgsl (fn lane).

// The neuron of an 8×8 lane's invocation: y, continued along z (see the dispatch above).
fn lane(id: vec3<u32>, grid: vec3<u32>) -> u32 {
  return id.y + id.z * grid.y * 8u;
}

override ACCUMULATE: bool = false;
override ACT: u32 = 0u;
override AVERAGE: bool = false;

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
fn pool_forward(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let r0 = id.x * 4u;
  let i = lane(id, grid);
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
    if (AVERAGE) {
      best = best + v;
    } else {
      // Strictly greater: the first source in edge order keeps a tie.
      let higher = v > best;
      best = select(best, v, higher);
      arg = select(arg, vec4<u32>(j), higher);
    }
  }
  if (AVERAGE) { best = best / f32(end - first); }
  let o = row_offsets(r0, params.dst) + vec4<u32>(i);
  store_pooled(r0, o.x, best.x, arg.x);
  store_pooled(r0 + 1u, o.y, best.y, arg.y);
  store_pooled(r0 + 2u, o.z, best.z, arg.z);
  store_pooled(r0 + 3u, o.w, best.w, arg.w);
}

// out[at] (and argmax[at], not with AVERAGE) of pool_forward for batch row r; rows past the batch are not stored.
fn store_pooled(r: u32, at: u32, value: f32, arg: u32) {
  if (r >= params.rows) { return; }
  out[at] = activate(value);
  if (!AVERAGE) { argmax[at] = arg; }
}

// The part of window i's gradient g (4 rows from `at`, the window's offsets) that source j gets.
fn share(at: vec4<u32>, i: u32, j: u32, g: vec4<f32>) -> vec4<f32> {
  if (AVERAGE) { return g / f32(dst_ptr[i + 1u] - dst_ptr[i]); }
  let won = vec4<u32>(argmax[at.x + i], argmax[at.y + i], argmax[at.z + i], argmax[at.w + i]) == vec4<u32>(j);
  return select(vec4<f32>(0.0), g, won);
}

@compute @workgroup_size(8, 8, 1)
fn pool_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let r0 = id.x * 4u;
  let j = lane(id, grid);
  if (r0 >= params.rows || j >= params.src) { return; }
  let at = row_offsets(r0, params.dst);
  var sum = vec4<f32>(0.0);
  let end = src_ptr[j + 1u];
  for (var t = src_ptr[j]; t < end; t = t + 1u) {
    let i = dst_of[src_edges[t]];
    sum = sum + share(at, i, j, grad4(at, i));
  }
  store_grad4(r0, j, sum);
}

// grad[at + i] of the 4 rows at offsets `at`.
fn grad4(at: vec4<u32>, i: u32) -> vec4<f32> {
  return vec4<f32>(grad[at.x + i], grad[at.y + i], grad[at.z + i], grad[at.w + i]);
}

// Source j's gradient at the 4 rows from r0, from the routed sums `v`.
fn store_grad4(r0: u32, j: u32, v: vec4<f32>) {
  let o = row_offsets(r0, params.src) + vec4<u32>(j);
  store_grad(r0, o.x, v.x);
  store_grad(r0 + 1u, o.y, v.y);
  store_grad(r0 + 2u, o.z, v.z);
  store_grad(r0 + 3u, o.w, v.w);
}

// out[at] of the grad entry points for batch row r: the routed sum times act'(aux), plus what
// out holds when ACCUMULATE; rows past the batch are not stored.
fn store_grad(r: u32, at: u32, value: f32) {
  if (r >= params.rows) { return; }
  var v = value * activate_grad(aux[at]);
  if (ACCUMULATE) { v = v + out[at]; }
  out[at] = v;
}

@compute @workgroup_size(8, 8, 1)
fn pool_grad_windows(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let r0 = id.x * 4u;
  let i = lane(id, grid);
  if (r0 >= params.rows || i >= params.dst) { return; }
  let at = row_offsets(r0, params.dst);
  let g = grad4(at, i);
  let end = dst_ptr[i + 1u];
  for (var e = dst_ptr[i]; e < end; e = e + 1u) {
    let j = src_of[e];
    // The same value a source gets in pool_grad: its one window's share.
    let sum = share(at, i, j, g);
    store_grad4(r0, j, sum);
  }
}
