// dense.wgsl — the kernels of a dense layer.
//
// Entry points:
//   matmul           out = epilogue(op(lhs) · op(rhs)), 8×8 register blocks per invocation
//   bias_grad        out[c] = Σ_r lhs[r·n + c]            (bias gradient: column sums of dz)
//   activation_grad  out[i] = lhs[i] · act'(aux[i])       (where no product fuses it)
//
// matmul serves the three products of a dense layer (all row-major, batch-major):
//   forward        out[m×n] = act(x[m×k] · W[k×n] + b)         TRANS_LHS=false TRANS_RHS=false FINISH=1
//   input grad     out[m×n] = (dz[m×k] · Wᵀ) ⊙ act'(a[m×n])    TRANS_LHS=false TRANS_RHS=true  FINISH=2
//   weight grad    out[m×n] = xᵀ · dz  (x stored k×m)          TRANS_LHS=true  TRANS_RHS=false FINISH=0
// A level fed by several connection blocks sums them: every block but the first sets
// ACCUMULATE (out is added to the product before FINISH), and only the last one finishes.
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { m, n, k }     out is m×n, the inner dimension is k
//   @binding(1) lhs    : storage, read        m×k row-major (k×m when TRANS_LHS)
//   @binding(2) rhs    : storage, read        k×n row-major (n×k when TRANS_RHS)
//   @binding(3) bias   : storage, read        n values (read only when FINISH == 1)
//   @binding(4) aux    : storage, read        m×n activations a = act(z) (read only when FINISH == 2)
//   @binding(5) out    : storage, read_write  m×n row-major
//   @binding(6) edge_stats : storage, read_write  3·m·n running sums (|v|, v, v²) per output
//                        value, added when STATS (per-edge statistics of a weight gradient)
//
// Overrides: TRANS_LHS, TRANS_RHS, ACCUMULATE (bool); FINISH 0 none, 1 bias + activation,
//   2 multiply by the activation's derivative; ACT 0 identity, 1 relu, 2 tanh, 3 sigmoid
//   (functions in activation.wgsl, prepended by the loader); WG_X, WG_Y the matmul's workgroup shape.
//
// Dispatch (matmul): workgroup WG_X×WG_Y (overrides, product 64, chosen per shape by the
//   wrapper); each invocation computes an 8×8 block of out held in sixteen vec4 registers and
//   reads its operands straight from storage, so a workgroup covers (8·WG_Y)×(8·WG_X) of out;
//   grid = (ceil(n / (8·WG_X)), ceil(m / (8·WG_Y)), 1). No workgroup memory and no barriers:
//   software adapters (SwiftShader) run a workgroup's invocations as coroutines and every
//   barrier switches all of them, which cost more than the shared loads saved (measured on
//   256×784·784×96: 0.76 GFLOP/s with 32×32 tiles in workgroup memory, 2.5 with this form).
//   Each step of the inner loop multiplies a 4×4 block of rhs (a mat4x4) by 4 values of a
//   row of lhs. Loads clamp their indices into the operands and stores are masked, so any
//   m, n, k ≥ 1 works (the k % 4 tail runs one value at a time).
// Dispatch (bias_grad): workgroup 64, one invocation per column, grid (ceil(n / 64), 1, 1);
//   lhs is the m×n gradient dz, out receives n sums.
// Dispatch (activation_grad): workgroup 256, one invocation per element of the m×n arrays,
//   grid (x, y, 1) with x·y·256 ≥ m·n (y > 1 only past 65535 groups).

override TRANS_LHS: bool = false;
override TRANS_RHS: bool = false;
override ACCUMULATE: bool = false;
override FINISH: u32 = 0u;
override STATS: bool = false;
override ACT: u32 = 0u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> lhs: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> aux: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> edge_stats: array<f32>;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
const BLOCK: u32 = 8u; // rows and columns of out per invocation

// op(lhs)[row][inner], row clamped into range (its results are never stored).
fn lhs_at(row: u32, inner: u32) -> f32 {
  let r = min(row, params.m - 1u);
  if (TRANS_LHS) { return lhs[inner * params.m + r]; }
  return lhs[r * params.k + inner];
}

// op(rhs)[inner][col], col clamped into range.
fn rhs_at(inner: u32, col: u32) -> f32 {
  let c = min(col, params.n - 1u);
  if (TRANS_RHS) { return rhs[c * params.k + inner]; }
  return rhs[inner * params.n + c];
}

// Row `row` of op(lhs) at inner indices k..k+3.
fn lhs_row4(row: u32, k: u32) -> vec4<f32> {
  return vec4<f32>(lhs_at(row, k), lhs_at(row, k + 1u), lhs_at(row, k + 2u), lhs_at(row, k + 3u));
}

// Row `inner` of op(rhs) at columns col..col+3.
fn rhs_row4(inner: u32, col: u32) -> vec4<f32> {
  return vec4<f32>(rhs_at(inner, col), rhs_at(inner, col + 1u), rhs_at(inner, col + 2u), rhs_at(inner, col + 3u));
}

// Rows k..k+3 of op(rhs) at columns col..col+3 as the columns of a matrix, so that
// block * lhs_row4(row, k) is that row's contribution to out[row][col..col+3].
fn rhs_block(k: u32, col: u32) -> mat4x4<f32> {
  return mat4x4<f32>(rhs_row4(k, col), rhs_row4(k + 1u, col), rhs_row4(k + 2u, col), rhs_row4(k + 3u, col));
}

// The epilogue and the store of out[row][col..col+3] (masked at the edges).
fn finish(row: u32, col: u32, sums: vec4<f32>) {
  if (row >= params.m) { return; }
  for (var j = 0u; j < 4u; j = j + 1u) {
    let c = col + j;
    if (c >= params.n) { return; }
    let at = row * params.n + c;
    var v = sums[j];
    if (ACCUMULATE) { v = v + out[at]; }
    if (FINISH == 1u) { v = activate(v + bias[c]); } else if (FINISH == 2u) { v = v * activate_grad(aux[at]); }
    out[at] = v;
    if (STATS) {
      edge_stats[3u * at] = edge_stats[3u * at] + abs(v);
      edge_stats[3u * at + 1u] = edge_stats[3u * at + 1u] + v;
      edge_stats[3u * at + 2u] = edge_stats[3u * at + 2u] + v * v;
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn matmul(@builtin(global_invocation_id) id: vec3<u32>) {
  let col0 = id.x * BLOCK;
  let row0 = id.y * BLOCK;
  if (col0 >= params.n || row0 >= params.m) { return; }
  // Row i of the block: left[i] holds columns col0..col0+3, right[i] columns col0+4..col0+7.
  // Sixteen named registers rather than an array: indexed arrays end up in memory.
  var left0 = vec4<f32>(0.0); var right0 = vec4<f32>(0.0);
  var left1 = vec4<f32>(0.0); var right1 = vec4<f32>(0.0);
  var left2 = vec4<f32>(0.0); var right2 = vec4<f32>(0.0);
  var left3 = vec4<f32>(0.0); var right3 = vec4<f32>(0.0);
  var left4 = vec4<f32>(0.0); var right4 = vec4<f32>(0.0);
  var left5 = vec4<f32>(0.0); var right5 = vec4<f32>(0.0);
  var left6 = vec4<f32>(0.0); var right6 = vec4<f32>(0.0);
  var left7 = vec4<f32>(0.0); var right7 = vec4<f32>(0.0);
  let k4 = params.k & ~3u;
  for (var k = 0u; k < k4; k = k + 4u) {
    let bl = rhs_block(k, col0);
    let br = rhs_block(k, col0 + 4u);
    var a = lhs_row4(row0, k);      left0 += bl * a; right0 += br * a;
    a = lhs_row4(row0 + 1u, k);     left1 += bl * a; right1 += br * a;
    a = lhs_row4(row0 + 2u, k);     left2 += bl * a; right2 += br * a;
    a = lhs_row4(row0 + 3u, k);     left3 += bl * a; right3 += br * a;
    a = lhs_row4(row0 + 4u, k);     left4 += bl * a; right4 += br * a;
    a = lhs_row4(row0 + 5u, k);     left5 += bl * a; right5 += br * a;
    a = lhs_row4(row0 + 6u, k);     left6 += bl * a; right6 += br * a;
    a = lhs_row4(row0 + 7u, k);     left7 += bl * a; right7 += br * a;
  }
  for (var k = k4; k < params.k; k = k + 1u) {
    let bl = rhs_row4(k, col0);
    let br = rhs_row4(k, col0 + 4u);
    var a = lhs_at(row0, k);        left0 += a * bl; right0 += a * br;
    a = lhs_at(row0 + 1u, k);       left1 += a * bl; right1 += a * br;
    a = lhs_at(row0 + 2u, k);       left2 += a * bl; right2 += a * br;
    a = lhs_at(row0 + 3u, k);       left3 += a * bl; right3 += a * br;
    a = lhs_at(row0 + 4u, k);       left4 += a * bl; right4 += a * br;
    a = lhs_at(row0 + 5u, k);       left5 += a * bl; right5 += a * br;
    a = lhs_at(row0 + 6u, k);       left6 += a * bl; right6 += a * br;
    a = lhs_at(row0 + 7u, k);       left7 += a * bl; right7 += a * br;
  }
  finish(row0, col0, left0);      finish(row0, col0 + 4u, right0);
  finish(row0 + 1u, col0, left1); finish(row0 + 1u, col0 + 4u, right1);
  finish(row0 + 2u, col0, left2); finish(row0 + 2u, col0 + 4u, right2);
  finish(row0 + 3u, col0, left3); finish(row0 + 3u, col0 + 4u, right3);
  finish(row0 + 4u, col0, left4); finish(row0 + 4u, col0 + 4u, right4);
  finish(row0 + 5u, col0, left5); finish(row0 + 5u, col0 + 4u, right5);
  finish(row0 + 6u, col0, left6); finish(row0 + 6u, col0 + 4u, right6);
  finish(row0 + 7u, col0, left7); finish(row0 + 7u, col0 + 4u, right7);
}

@compute @workgroup_size(64, 1, 1)
fn bias_grad(@builtin(global_invocation_id) id: vec3<u32>) {
  let c = id.x;
  if (c >= params.n) { return; }
  var sum = 0.0;
  for (var r = 0u; r < params.m; r = r + 1u) {
    sum = sum + lhs[r * params.n + c];
  }
  out[c] = sum;
}

@compute @workgroup_size(256, 1, 1)
fn activation_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 256u;
  if (i >= params.m * params.n) { return; }
  out[i] = lhs[i] * activate_grad(aux[i]);
}
