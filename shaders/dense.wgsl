// dense.wgsl — the kernels of a dense layer.
//
// Entry points:
//   matmul           out = epilogue(op(lhs) · op(rhs)), tiled through workgroup memory
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
//   (functions in activation.wgsl, prepended by the loader).
//
// Dispatch (matmul): workgroup 8×8; each invocation computes a 4×4 block, so a workgroup covers a
//   32×32 tile of out; grid = (ceil(n / 32), ceil(m / 32), 1). The inner dimension advances
//   in steps of 16 through workgroup memory (32×16 of each operand). 64 invocations rather
//   than 256 because barriers dominate on software adapters (measured: 0.76 vs 0.69 GFLOP/s
//   on 256×784·784×96, 3.2 vs 11 ms on 256×96·96×10, SwiftShader). Ragged edges are zero-filled on load and masked
//   on store, so any m, n, k ≥ 1 works.
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

const TILE: u32 = 32u;    // rows and columns of out per workgroup
const DEPTH: u32 = 16u;   // inner-dimension step held in workgroup memory
const THREADS: u32 = 64u; // invocations per workgroup (8×8, each owning 4 rows × 4 columns)

// Staged operands, inner index major: lhsTile[kk * TILE + row], rhsTile[kk * TILE + col].
var<workgroup> lhsTile: array<f32, 512>;
var<workgroup> rhsTile: array<f32, 512>;

fn lhs_at(row: u32, inner: u32) -> f32 {
  if (row >= params.m || inner >= params.k) { return 0.0; }
  if (TRANS_LHS) { return lhs[inner * params.m + row]; }
  return lhs[row * params.k + inner];
}

fn rhs_at(inner: u32, col: u32) -> f32 {
  if (inner >= params.k || col >= params.n) { return 0.0; }
  if (TRANS_RHS) { return rhs[col * params.k + inner]; }
  return rhs[inner * params.n + col];
}

@compute @workgroup_size(8, 8, 1)
fn matmul(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let row0 = group.y * TILE;
  let col0 = group.x * TILE;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < params.k; k0 = k0 + DEPTH) {
    for (var e = lane; e < TILE * DEPTH; e = e + THREADS) {
      // Walk each operand along its contiguous dimension.
      var kk: u32; var r: u32;
      if (TRANS_LHS) { kk = e / TILE; r = e % TILE; } else { r = e / DEPTH; kk = e % DEPTH; }
      lhsTile[kk * TILE + r] = lhs_at(row0 + r, k0 + kk);
      var kb: u32; var cb: u32;
      if (TRANS_RHS) { cb = e / DEPTH; kb = e % DEPTH; } else { kb = e / TILE; cb = e % TILE; }
      rhsTile[kb * TILE + cb] = rhs_at(k0 + kb, col0 + cb);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < DEPTH; kk = kk + 1u) {
      let ab = kk * TILE + local.y * 4u;
      let bb = kk * TILE + local.x * 4u;
      let b = vec4<f32>(rhsTile[bb], rhsTile[bb + 1u], rhsTile[bb + 2u], rhsTile[bb + 3u]);
      acc0 = fma(vec4<f32>(lhsTile[ab]), b, acc0);
      acc1 = fma(vec4<f32>(lhsTile[ab + 1u]), b, acc1);
      acc2 = fma(vec4<f32>(lhsTile[ab + 2u]), b, acc2);
      acc3 = fma(vec4<f32>(lhsTile[ab + 3u]), b, acc3);
    }
    workgroupBarrier();
  }
  let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i = i + 1u) {
    let r = row0 + local.y * 4u + i;
    if (r >= params.m) { break; }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let c = col0 + local.x * 4u + j;
      if (c >= params.n) { break; }
      var v = rows[i][j];
      let at = r * params.n + c;
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
