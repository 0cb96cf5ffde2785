// narrow.wgsl — the backward of a dense block into a narrow level (at most 12 neurons: a
// classifier's output level), both of its products in one pass over the batch.
//
// A dense block from a hidden level (src neurons, activations a) into a level of n ≤ 12
// neurons, with weights W (src × n, row-major) and that level's pre-activation gradient dz
// (rows × n), has two backward products:
//   input gradient   dx[r, i] = (Σ_c dz[r, c] · W[i, c]) · act'(a[r, i])   (rows × src)
//   weight gradient  dw[i, c] = Σ_r a[r, i] · dz[r, c]                   (src × n)
// Both read every a[r, i] and every row of dz. dense.wgsl's matmul runs them as two products,
// each loading all of a and, per block of its output, the rows of dz again; with k = n ≤ 12
// the input gradient is mostly loads and stores. Here an invocation owns 8 source neurons: it
// holds their weight rows and their weight-gradient sums in registers and walks the batch once,
// loading each row's dz and its 8 activations once for both products (in SwiftShader, Node:
// the MNIST reference run's 344 → 10 output block 2.06 → 1.11 ms a step, a 784-96-10 MLP's
// 96 → 10 block 0.80 → 0.38 ms, 784-1024-10's 1024 → 10 block 4.98 → 2.82 ms). Training uses it
// on a software adapter only: on a GPU its few invocations, each walking the whole batch, took
// 0.16 ms where the two products take a fraction of that (an NVIDIA H200, Node + Dawn: a
// 784-96-10 step 0.44 → 0.34 ms, a max-pooled CNN's 0.99 → 0.73 ms with tie.wgsl's wide entry).
//
// Bindings (group 0):
//   @binding(0) params     : uniform Params { rows, src, n }
//   @binding(1) act        : storage, read   rows × src   the source level's activations
//   @binding(2) dz         : storage, read   rows × n     the destination's pre-activation gradient
//   @binding(3) weight     : storage, read   src × n
//   @binding(4) dx         : storage, rw     rows × src   written, or added to when ACCUMULATE
//   @binding(5) dw         : storage, rw     src × n
//   @binding(7) mask       : storage, read   src × n      0/1, MASKED only: a dense block lacking
//                                                         some edges, whose gradients stay 0
//
// Overrides: ACT the source level's activation (activation.wgsl); ACCUMULATE (the source level
//   feeds several blocks: the first writes dx, the others add; act' multiplies each block's part,
//   as in dense.wgsl); MASKED; COL_GROUPS 1–3 (n ≤ 4 · COL_GROUPS: the vec4s of a row of
//   dz and W that are loaded; the others stay zero and fold away).
//
// Dispatch: workgroup 4, one invocation per 8 source neurons: grid (x, y, 1) with
//   x·y·4 ≥ ceil(src / 8).
//   Loads clamp into range and stores are masked, so any rows, src ≥ 1 and 1 ≤ n ≤ 12 work.

override ACCUMULATE: bool = false;
override MASKED: bool = false;
override ACT: u32 = 0u;
override COL_GROUPS: u32 = 3u;

const NEURONS: u32 = 8u; // source neurons per invocation

struct Params {
  rows: u32,
  src: u32,
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> act: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> dw: array<f32>;
@group(0) @binding(7) var<storage, read> mask: array<f32>;

// Where columns 4·group .. 4·group + 3 of an n-wide row starting at `base` are (clamped to the
// last column), and which of them are inside n.
fn columns_at(group: u32, base: u32) -> vec4<u32> {
  return vec4<u32>(base) + min(vec4<u32>(4u * group) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.n - 1u));
}

fn columns_inside(group: u32) -> vec4<bool> {
  return vec4<u32>(4u * group) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.n);
}

// A row of dz (or of W) as three column groups; a group past COL_GROUPS (a constant) is zero
// and its loads fold away.
struct Row {
  c0: vec4<f32>,
  c1: vec4<f32>,
  c2: vec4<f32>,
}

fn dz4(group: u32, base: u32) -> vec4<f32> {
  if (group >= COL_GROUPS) { return vec4<f32>(0.0); }
  let at = columns_at(group, base);
  return select(vec4<f32>(0.0), vec4<f32>(dz[at.x], dz[at.y], dz[at.z], dz[at.w]), columns_inside(group));
}

fn weight4(group: u32, base: u32) -> vec4<f32> {
  if (group >= COL_GROUPS) { return vec4<f32>(0.0); }
  let at = columns_at(group, base);
  return select(vec4<f32>(0.0), vec4<f32>(weight[at.x], weight[at.y], weight[at.z], weight[at.w]), columns_inside(group));
}

fn dz_row(r: u32) -> Row {
  let base = r * params.n;
  return Row(dz4(0u, base), dz4(1u, base), dz4(2u, base));
}

// One source neuron of the invocation: its weight row and its weight-gradient sums.
struct Neuron {
  w: Row,
  g: Row,
}

fn neuron(i: u32) -> Neuron {
  let base = min(i, params.src - 1u) * params.n;
  let zero = vec4<f32>(0.0);
  return Neuron(Row(weight4(0u, base), weight4(1u, base), weight4(2u, base)), Row(zero, zero, zero));
}

// Batch row r of source neuron i: its input gradient stored, its weight-gradient sums advanced.
fn visit(r: u32, i: u32, d: Row, nr: Neuron) -> Neuron {
  let a = act[r * params.src + min(i, params.src - 1u)];
  if (i < params.src) {
    let at = r * params.src + i;
    var v = (dot(d.c0, nr.w.c0) + dot(d.c1, nr.w.c1) + dot(d.c2, nr.w.c2)) * activate_grad(a);
    if (ACCUMULATE) { v = v + dx[at]; }
    dx[at] = v;
  }
  let av = vec4<f32>(a);
  return Neuron(nr.w, Row(fma(av, d.c0, nr.g.c0), fma(av, d.c1, nr.g.c1), fma(av, d.c2, nr.g.c2)));
}

// The weight gradients of source neuron i (with their mask).
fn finish(i: u32, nr: Neuron) {
  if (i >= params.src) { return; }
  for (var c = 0u; c < params.n; c = c + 1u) {
    let at = i * params.n + c;
    var v = select(select(nr.g.c2[c % 4u], nr.g.c1[c % 4u], c < 8u), nr.g.c0[c % 4u], c < 4u);
    if (MASKED && mask[at] == 0.0) { v = 0.0; } // an absent edge: exactly zero
    dw[at] = v;
  }
}

@compute @workgroup_size(4, 1, 1)
fn narrow_backward(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i0 = (id.x + id.y * groups.x * 4u) * NEURONS;
  if (i0 >= params.src) { return; }
  // Eight named neurons, not an array: an indexed array ends up in memory.
  var n0 = neuron(i0); var n1 = neuron(i0 + 1u); var n2 = neuron(i0 + 2u); var n3 = neuron(i0 + 3u);
  var n4 = neuron(i0 + 4u); var n5 = neuron(i0 + 5u); var n6 = neuron(i0 + 6u); var n7 = neuron(i0 + 7u);
  for (var r = 0u; r < params.rows; r = r + 1u) {
    let d = dz_row(r);
    n0 = visit(r, i0, d, n0); n1 = visit(r, i0 + 1u, d, n1); n2 = visit(r, i0 + 2u, d, n2); n3 = visit(r, i0 + 3u, d, n3);
    n4 = visit(r, i0 + 4u, d, n4); n5 = visit(r, i0 + 5u, d, n5); n6 = visit(r, i0 + 6u, d, n6); n7 = visit(r, i0 + 7u, d, n7);
  }
  finish(i0, n0); finish(i0 + 1u, n1); finish(i0 + 2u, n2); finish(i0 + 3u, n3);
  finish(i0 + 4u, n4); finish(i0 + 5u, n5); finish(i0 + 6u, n6); finish(i0 + 7u, n7);
}
