// dense.wgsl — the kernels of a dense layer.
//
// Entry points:
//   matmul           out = epilogue(op(lhs) · op(rhs)), 8×8 register blocks per invocation
//   matmul_split     the same product, one 8×4 block per workgroup whose 64 invocations share
//                    the inner dimension (a GPU's products with few outputs; see below)
//   bias_grad        out[c] = Σ_r lhs[r·n + c]            (bias gradient: column sums of dz)
//   bias_grad_vec4   the same for n a multiple of 4, 4 columns per invocation (vec4 loads)
//   activation_grad  out[i] = lhs[i] · act'(aux[i])       (where no product fuses it)
//
// matmul serves the three products of a dense layer (all row-major, batch-major):
//   forward        out[m×n] = act(x[m×k] · W[k×n] + b)         TRANS_LHS=false TRANS_RHS=false FINISH=1
//   input grad     out[m×n] = (dz[m×k] · Wᵀ) ⊙ act'(a[m×n])    TRANS_LHS=false TRANS_RHS=true  FINISH=2
//   weight grad    out[m×n] = xᵀ · dz  (x stored k×m)          TRANS_LHS=true  TRANS_RHS=false FINISH=0
// A level fed by several connection blocks sums them: every block but the first sets
// ACCUMULATE. In the forward, out is added to the product before FINISH 1 and only the last
// block finishes; in the input gradient, FINISH 2 multiplies each block's product by act'(a)
// before adding it to out (the derivative distributes over the sum), so every block finishes.
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { m, n, k, m_full, k_full, lhs_words, lhs_scale }   out
//                        is m×n, the inner dimension is k; m_full / k_full are the stored
//                        extents (see ACTIVE_*); lhs_words, lhs_scale: see LHS_U8
//   @binding(1) lhs    : storage, read u32    m×k row-major (k×m when TRANS_LHS): f32 values read
//                        through bitcast, or packed bytes (LHS_U8)
//   @binding(2) rhs    : storage, read        k×n row-major (n×k when TRANS_RHS)
//   @binding(4) aux    : storage, read        the epilogue's operand: n bias values (FINISH == 1),
//                        m×n activations a = act(z) (FINISH == 2), or the m×n 0/1 mask of a
//                        dense block's present edges (MASKED: the weight gradient of a block
//                        stored dense that lacks some edges); the three never meet in one call
//   @binding(5) out    : storage, read_write  m×n row-major
//   @binding(7) active_rows : storage, read u32   ascending row indices of a block's weight
//                        matrix (its sources with edges), read only when ACTIVE_K or ACTIVE_M
//   @binding(8) lhs4   : storage, read        lhs as vec4 (bias_grad_vec4, matmul with LHS4)
//   @binding(9) out4   : storage, read_write  out as vec4 (bias_grad_vec4)
//   @binding(11) rhs4  : storage, read        rhs as vec4 (RHS_VEC 4)
//   @binding(12) rhs2  : storage, read        rhs as vec2 (RHS_VEC 2)
//   An entry point binds at most 8 storage buffers, WebGPU's default maxStorageBuffersPerShaderStage
//   (matmul: lhs, rhs, aux, out, active_rows, lhs4, rhs4, rhs2): hence the bias in aux and the one
//   u32 view of lhs for both f32 values and packed bytes (a bitcast costs no instruction).
//
// Overrides: TRANS_LHS, TRANS_RHS, ACCUMULATE (bool); FINISH 0 none, 1 bias + activation,
//   2 multiply the product by the activation's derivative (before ACCUMULATE adds out); ACT 0 identity, 1 relu, 2 tanh, 3 sigmoid;
//   COMPACT (see ACTIVE_M below)
//   (functions in activation.wgsl, prepended by the loader); MASKED zeroes the values whose aux
//   is 0 (after the epilogue); WG_X, WG_Y the matmul's workgroup shape, COL_GROUPS the
//   columns of its blocks in groups of 4 (1–4), TALL its 16-row blocks.
//   ACTIVE_K: the inner dimension walks active_rows[0..k) (stored extent k_full): the forward
//   of a masked dense block whose edges leave few sources skips the all-zero weight rows.
//   ACTIVE_M: out row r (and lhs row r) is stored at row active_rows[r] of m_full rows: that
//   block's weight gradient computes only the rows that hold edges and leaves the rest as is.
//   COMPACT (with ACTIVE_K or ACTIVE_M): the weight matrix stores only the active rows, in
//   order: the forward's rhs row k is stored at k (lhs still reads input active_rows[k]), the
//   weight gradient's out row r at r (lhs still reads input active_rows[r]).
//   LHS_U8: lhs is a batch of u8 inputs packed 4 to a word (low byte first), lhs_words words a
//   batch row, byte b standing for b · lhs_scale (bit for bit what the f32 gather would store).
//   UNORM (with LHS_U8, where lhs_scale is f32(1/255)): the forward unpacks a word with
//   unpack4x8unorm, 6–15% faster than shifts and masks on SwiftShader, which computes b ÷ 255 as
//   b · f32(1/255), the same bits (another adapter may round the other way by an ulp).
//   BYTE_FACTOR (with LHS_U8): every byte's value b · lhs_scale times this float, the same bits
//   as a gathered f32 batch multiplied by it (input dropout's 1 / (1 − rate): the gather zeroed
//   the dropped bytes, FitOptions.inputDropout). A constant, so UNORM's unpacking stays, and 1
//   (no multiplication) in every pipeline without input dropout.
//   LHS4 (an f32 lhs, not TRANS_LHS, no ACTIVE_K, k a multiple of 4): a row's 4 inner values of a
//   step are one vec4 load; RHS_VEC 4 (not TRANS_RHS, n a multiple of 4) or 2 (n even): a row
//   of a 4×4 rhs block is one vec4 or two vec2 loads. SwiftShader gathers each separate load
//   lane by lane but a vector's components together: the 1024² product 4% faster, 256×784 ·
//   784×96 and ·784×1024 7–8% (the 10-column products of a classifier: the same).
//   The forward (no ACTIVE_K) loads one word per 4 inner values of a row; the weight gradient
//   (no ACTIVE_M) loads, per batch row of a step, the words of its block's 8 or 16 features
//   (4-aligned: row0 is a multiple of 8), a quarter of the loads of one value each; the
//   others load one word per value.
//
// Dispatch (matmul): workgroup WG_X×WG_Y (overrides, product 64, chosen per shape and per kind
//   of adapter by the wrapper: matmulGroupShape in src/kernels/dense.ts); each invocation
//   computes an R×C block of out (on a software adapter R = 8, or 16 when TALL, chosen for
//   outputs of at least 128 rows; C = 4·COL_GROUPS: 8 in general, 16 for wide outputs, n
//   rounded up to 4 for outputs of at most 16 columns; on a GPU 8×4, or 16×8 for products of
//   2048² outputs or more, and matmul_split for few outputs over a long k) held in vec4 registers and reads its
//   operands straight from storage, so a workgroup covers (R·WG_Y)×(C·WG_X) of out;
//   grid = (ceil(n / (C·WG_X)), G / z, z) for G = ceil(m / (R·WG_Y)) row groups, z = 1 but past
//   the adapter's workgroups a dimension (a batch of millions of rows), where the row groups go
//   on along z (the last slice's extra groups return at once). No workgroup
//   memory and no barriers: software adapters (SwiftShader) run a workgroup's invocations as
//   coroutines and every barrier switches all of them, which cost more than the shared loads
//   saved (measured on 256×784·784×96: 0.76 GFLOP/s with 32×32 tiles in workgroup memory, 2.5
//   with this form). Each step of the inner loop multiplies 4×4 blocks of rhs (mat4x4) by 4
//   values of a row of lhs; wider blocks reuse each lhs load for more columns. On a software
//   adapter every load costs about the same whatever its address (~4 ns per invocation; a
//   vector's components come together, see LHS4), so a
//   product's time follows its loads per useful FMA: 8×16 blocks load 3/16 per FMA, and a
//   10-column output in 8×12 blocks 1/4 instead of the 2/5 of two 8×8 blocks.
//   Loads clamp their indices into the operands and stores are masked, so any m, n, k ≥ 1
//   works (a last step past k zeroes the extra rows of rhs). The loop body and the epilogue
//   each appear once in the code: a software adapter compiles every variant (overrides) to
//   machine code, and its compile time follows the code's size (an inlined epilogue per
//   register block and a second, scalar loop body for the k % 4 tail made a variant take
//   1.2–2.9 s to compile in SwiftShader, 0.25–0.55 s without them, at the same speed).
// Dispatch (matmul_split): workgroup 64, grid = (ceil(n / 4), G / z, z) for G = ceil(m / 8), as matmul's; the same
//   overrides but WG_X, WG_Y, COL_GROUPS and TALL, which it does not use.
// Dispatch (bias_grad): workgroup 64, one invocation per column, grid (ceil(n / 64), 1, 1);
//   lhs is the m×n gradient dz, out receives n sums. bias_grad_vec4: one invocation per 4
//   columns, grid (ceil(n / 256), 1, 1): a quarter of the loads, and 4 independent sums in
//   flight (a 344-wide level's bias gradient over 256 rows in SwiftShader, Node: 0.40 → 0.30 ms).
// Dispatch (activation_grad): workgroup WIDTH (256), one invocation per element of the m×n arrays,
//   grid (x, y, 1) with x·y·WIDTH ≥ m·n (y > 1 only past 65535 groups).

// The width of this file's 256-wide workgroups: the device's most where it allows fewer (a
// compatibility-mode device's default is 128); set by KernelCache (wideWorkgroup, src/kernels/kernel.ts).
override WIDTH: u32 = 256u;
override TRANS_LHS: bool = false;
override LHS4: bool = false;
override RHS_VEC: u32 = 1u;
override TRANS_RHS: bool = false;
override ACCUMULATE: bool = false;
override FINISH: u32 = 0u;
override MASKED: bool = false;
override ACT: u32 = 0u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  m_full: u32, // rows of lhs's storage when TRANS_LHS (= m unless ACTIVE_M)
  k_full: u32, // inner extent of the operands' storage (= k unless ACTIVE_K)
  lhs_words: u32, // LHS_U8: words per stored row of lhs (a batch row of packed bytes)
  lhs_scale: f32, // LHS_U8: the value of a byte b is b · lhs_scale
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> lhs: array<u32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(4) var<storage, read> aux: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read> active_rows: array<u32>;
@group(0) @binding(8) var<storage, read> lhs4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read> rhs4: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read> rhs2: array<vec2<f32>>;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override COL_GROUPS: u32 = 2u;
const BLOCK: u32 = 8u; // rows of out per invocation (16 when TALL)
override TALL: bool = false;
override ACTIVE_K: bool = false;
override ACTIVE_M: bool = false;
override COMPACT: bool = false;
override LHS_U8: bool = false;
override UNORM: bool = false;
override BYTE_FACTOR: f32 = 1.0;

// A byte's value (b · lhs_scale, or unpack4x8unorm's) times BYTE_FACTOR where that is not 1.
fn byte_factor(v: vec4<f32>) -> vec4<f32> {
  if (BYTE_FACTOR == 1.0) { return v; }
  return v * BYTE_FACTOR;
}

fn block_rows() -> u32 { return select(BLOCK, 2u * BLOCK, TALL); }

fn block_cols() -> u32 { return 4u * COL_GROUPS; }

// Where row `row` of out (and of op(lhs)) is stored: itself, or active_rows[row] (ACTIVE_M).
// Clamped into range: rows past m are computed but never stored.
fn stored_row(row: u32) -> u32 {
  let r = min(row, params.m - 1u);
  if (ACTIVE_M) { return active_rows[r]; }
  return r;
}

// Where inner indices `inner` (k..k+3 of a step of the inner loop) are stored: themselves, or
// active_rows[inner] (ACTIVE_K); looked up once per step.
fn stored_inner4(inner: vec4<u32>) -> vec4<u32> {
  if (ACTIVE_K) { return vec4<u32>(active_rows[inner.x], active_rows[inner.y], active_rows[inner.z], active_rows[inner.w]); }
  return inner;
}

// The block with its columns (rows of rhs) zeroed where !valid.
fn zero_rows(b: mat4x4<f32>, valid: vec4<bool>) -> mat4x4<f32> {
  let zero = vec4<f32>(0.0);
  return mat4x4<f32>(select(zero, b[0], valid.x), select(zero, b[1], valid.y), select(zero, b[2], valid.z), select(zero, b[3], valid.w));
}

// The inner indices of rhs: where lhs reads them (ks), or the indices themselves (inner) when
// the weights store only the active rows (COMPACT).
fn rhs_inner4(inner: vec4<u32>, ks: vec4<u32>) -> vec4<u32> {
  if (COMPACT) { return inner; }
  return ks;
}

// Where row `row` (< m) of out is stored: as lhs's row (stored_row), or at `row` itself when
// out is a compact weight matrix (COMPACT).
fn out_row(row: u32) -> u32 {
  if (COMPACT) { return row; }
  return stored_row(row);
}

// op(lhs) at stored row r and stored inner index i.
fn lhs_get(r: u32, i: u32) -> f32 {
  if (LHS_U8) {
    // Packed bytes, a batch row of lhs_words words: x[row][f] is byte f % 4 of word f / 4.
    if (TRANS_LHS) { return byte_value(lhs[i * params.lhs_words + r / 4u], r % 4u); }
    return byte_value(lhs[r * params.lhs_words + i / 4u], i % 4u);
  }
  if (TRANS_LHS) { return bitcast<f32>(lhs[i * params.m_full + r]); }
  return bitcast<f32>(lhs[r * params.k_full + i]);
}

// Byte b (0 = lowest) of `word` as a value: byte · lhs_scale (· BYTE_FACTOR), as the f32 batch
// gather computes it.
fn byte_value(word: u32, b: u32) -> f32 {
  let v = f32((word >> (8u * b)) & 255u) * params.lhs_scale;
  if (BYTE_FACTOR == 1.0) { return v; }
  return v * BYTE_FACTOR;
}

// The 4 bytes of each of 4 words, byte b of each: one row of a packed lhsᵀ block (see matmul).
fn byte_lane(words: vec4<u32>, b: u32) -> vec4<f32> {
  return byte_factor(vec4<f32>((words >> vec4<u32>(8u * b)) & vec4<u32>(255u)) * params.lhs_scale);
}

// op(rhs)[inner][col] for a stored inner index, col clamped into range.
fn rhs_at(inner: u32, col: u32) -> f32 {
  let c = min(col, params.n - 1u);
  if (TRANS_RHS) { return rhs[c * params.k_full + inner]; }
  return rhs[inner * params.n + c];
}

// Row `row` of op(lhs) at the stored inner indices ks.
fn lhs_row4(row: u32, ks: vec4<u32>) -> vec4<f32> {
  let r = stored_row(row);
  if (LHS_U8 && !TRANS_LHS && !ACTIVE_K) {
    // ks = k..k+3 with k a multiple of 4: one word holds all four (past the inner extent its
    // bytes are row padding, and those rows of rhs are zeroed).
    let word = lhs[r * params.lhs_words + ks.x / 4u];
    if (UNORM) { return byte_factor(unpack4x8unorm(word)); }
    return byte_factor(vec4<f32>(vec4<u32>(word, word >> 8u, word >> 16u, word >> 24u) & vec4<u32>(255u)) * params.lhs_scale);
  }
  // ks = k..k+3 with k a multiple of 4 and of k_full: one vec4 of the row.
  if (LHS4) { return lhs4[(r * params.k_full + ks.x) / 4u]; }
  return vec4<f32>(lhs_get(r, ks.x), lhs_get(r, ks.y), lhs_get(r, ks.z), lhs_get(r, ks.w));
}

// Whether the weight gradient reads a packed lhsᵀ a word (4 rows of its block) at a time.
fn packed_columns() -> bool { return LHS_U8 && TRANS_LHS && !ACTIVE_M; }

// Words q of the stored rows ks of a packed lhs (rows ks are batch rows; word q holds features
// 4q..4q+3): component j is batch row ks[j]'s.
fn packed_words(ks: vec4<u32>, q: u32) -> vec4<u32> {
  let w = params.lhs_words;
  return vec4<u32>(lhs[ks.x * w + q], lhs[ks.y * w + q], lhs[ks.z * w + q], lhs[ks.w * w + q]);
}

// Row row0 + j of a block of op(lhs) at ks. With packed columns, `words` holds word j / 4 of the
// block's rows (see matmul) and the row is byte j % 4 of each; otherwise loaded as lhs_row4.
fn lhs_block_row(row0: u32, j: u32, ks: vec4<u32>, words: vec4<u32>) -> vec4<f32> {
  if (packed_columns()) { return byte_lane(words, j % 4u); }
  return lhs_row4(row0 + j, ks);
}

// Row `inner` (stored index) of op(rhs) at columns col..col+3 (col a multiple of 4). With
// RHS_VEC 4 or 2 the row's columns come as one vec4 or two vec2s; a block past n reads the
// row's last ones again, which are never stored.
fn rhs_row4(inner: u32, col: u32) -> vec4<f32> {
  if (RHS_VEC == 4u) { return rhs4[(inner * params.n + min(col, params.n - 4u)) / 4u]; }
  if (RHS_VEC == 2u) {
    let row = inner * params.n / 2u;
    let last = params.n / 2u - 1u;
    return vec4<f32>(rhs2[row + min(col / 2u, last)], rhs2[row + min(col / 2u + 1u, last)]);
  }
  return vec4<f32>(rhs_at(inner, col), rhs_at(inner, col + 1u), rhs_at(inner, col + 2u), rhs_at(inner, col + 3u));
}

// Rows ks of op(rhs) at columns col..col+3 as the columns of a matrix, so that
// block * lhs_row4(row, ks) is that row's contribution to out[row][col..col+3].
fn rhs_block(ks: vec4<u32>, col: u32) -> mat4x4<f32> {
  return mat4x4<f32>(rhs_row4(ks.x, col), rhs_row4(ks.y, col), rhs_row4(ks.z, col), rhs_row4(ks.w, col));
}

// The epilogue and the store of out[row][col..col+3] (masked at the edges).
fn finish(row: u32, col: u32, sums: vec4<f32>) {
  if (row >= params.m) { return; }
  let at = out_row(row) * params.n + col;
  // Four columns inside out: with constant component indices and no loop (a loop indexing the
  // vector dynamically, with a bounds test a column, cost more than the products of a short
  // inner dimension: the 256×344 input gradient through a 10-wide level, k = 10).
  if (col + 3u < params.n) {
    finish_value(at, col, sums.x);
    finish_value(at + 1u, col + 1u, sums.y);
    finish_value(at + 2u, col + 2u, sums.z);
    finish_value(at + 3u, col + 3u, sums.w);
    return;
  }
  for (var j = 0u; j < 4u; j = j + 1u) {
    if (col + j >= params.n) { return; }
    finish_value(at + j, col + j, sums[j]);
  }
}

// The epilogue and the store of one value v of out, at `at`, column c.
fn finish_value(at: u32, c: u32, value: f32) {
  var v = value;
  // The derivative multiplies this product alone, before the sum: a level's input gradient is
  // Σ_blocks (dz·Wᵀ) ⊙ act'(a) = (Σ_blocks dz·Wᵀ) ⊙ act'(a), so every block may finish its own
  // part and the blocks may come in any order (a sparse block then only visits its sources).
  if (FINISH == 2u) { v = v * activate_grad(aux[at]); }
  if (ACCUMULATE) { v = v + out[at]; }
  if (FINISH == 1u) { v = activate(v + aux[c]); } // aux holds the bias
  if (MASKED && aux[at] == 0.0) { v = 0.0; } // an absent edge: exactly zero, whatever v is
  out[at] = v;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn matmul(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let col0 = id.x * block_cols();
  // Past 65,535 row groups the grid goes on along z (see the header's Dispatch).
  let row0 = (id.y + id.z * groups.y * WG_Y) * block_rows();
  if (col0 >= params.n || row0 >= params.m) { return; }
  // Row i of the block is held in c{i}_0 .. c{i}_3, four columns each (the first COL_GROUPS
  // of them used). Named registers rather than an array: indexed arrays end up in memory.
  var c0_0 = vec4<f32>(0.0); var c0_1 = vec4<f32>(0.0); var c0_2 = vec4<f32>(0.0); var c0_3 = vec4<f32>(0.0);
  var c1_0 = vec4<f32>(0.0); var c1_1 = vec4<f32>(0.0); var c1_2 = vec4<f32>(0.0); var c1_3 = vec4<f32>(0.0);
  var c2_0 = vec4<f32>(0.0); var c2_1 = vec4<f32>(0.0); var c2_2 = vec4<f32>(0.0); var c2_3 = vec4<f32>(0.0);
  var c3_0 = vec4<f32>(0.0); var c3_1 = vec4<f32>(0.0); var c3_2 = vec4<f32>(0.0); var c3_3 = vec4<f32>(0.0);
  var c4_0 = vec4<f32>(0.0); var c4_1 = vec4<f32>(0.0); var c4_2 = vec4<f32>(0.0); var c4_3 = vec4<f32>(0.0);
  var c5_0 = vec4<f32>(0.0); var c5_1 = vec4<f32>(0.0); var c5_2 = vec4<f32>(0.0); var c5_3 = vec4<f32>(0.0);
  var c6_0 = vec4<f32>(0.0); var c6_1 = vec4<f32>(0.0); var c6_2 = vec4<f32>(0.0); var c6_3 = vec4<f32>(0.0);
  var c7_0 = vec4<f32>(0.0); var c7_1 = vec4<f32>(0.0); var c7_2 = vec4<f32>(0.0); var c7_3 = vec4<f32>(0.0);
  // Rows 8–15 of the block (TALL only).
  var c8_0 = vec4<f32>(0.0); var c8_1 = vec4<f32>(0.0); var c8_2 = vec4<f32>(0.0); var c8_3 = vec4<f32>(0.0);
  var c9_0 = vec4<f32>(0.0); var c9_1 = vec4<f32>(0.0); var c9_2 = vec4<f32>(0.0); var c9_3 = vec4<f32>(0.0);
  var c10_0 = vec4<f32>(0.0); var c10_1 = vec4<f32>(0.0); var c10_2 = vec4<f32>(0.0); var c10_3 = vec4<f32>(0.0);
  var c11_0 = vec4<f32>(0.0); var c11_1 = vec4<f32>(0.0); var c11_2 = vec4<f32>(0.0); var c11_3 = vec4<f32>(0.0);
  var c12_0 = vec4<f32>(0.0); var c12_1 = vec4<f32>(0.0); var c12_2 = vec4<f32>(0.0); var c12_3 = vec4<f32>(0.0);
  var c13_0 = vec4<f32>(0.0); var c13_1 = vec4<f32>(0.0); var c13_2 = vec4<f32>(0.0); var c13_3 = vec4<f32>(0.0);
  var c14_0 = vec4<f32>(0.0); var c14_1 = vec4<f32>(0.0); var c14_2 = vec4<f32>(0.0); var c14_3 = vec4<f32>(0.0);
  var c15_0 = vec4<f32>(0.0); var c15_1 = vec4<f32>(0.0); var c15_2 = vec4<f32>(0.0); var c15_3 = vec4<f32>(0.0);
  // Four inner indices a step; where a last step runs past k, those rows of rhs are zeroed
  // (one loop body for every k: the code, and the compile time, stay half the size).
  for (var k = 0u; k < params.k; k = k + 4u) {
    let step = vec4<u32>(k, k + 1u, k + 2u, k + 3u);
    let valid = step < vec4<u32>(params.k);
    // Indices past k read index k - 1 again; zero_rows drops their products.
    let inner = min(step, vec4<u32>(params.k - 1u));
    let ks = stored_inner4(inner);
    let rk = rhs_inner4(inner, ks);
    let b0 = zero_rows(rhs_block(rk, col0), valid);
    var b1 = b0; var b2 = b0; var b3 = b0;
    if (COL_GROUPS > 1u) { b1 = zero_rows(rhs_block(rk, col0 + 4u), valid); }
    if (COL_GROUPS > 2u) { b2 = zero_rows(rhs_block(rk, col0 + 8u), valid); }
    if (COL_GROUPS > 3u) { b3 = zero_rows(rhs_block(rk, col0 + 12u), valid); }
    // A packed lhsᵀ (the weight gradient of a block out of u8 inputs): the block's rows are 4-aligned
    // features, so 4 words per batch row hold 16 of them: 16 loads a step instead of 64.
    var w0 = vec4<u32>(0u); var w1 = vec4<u32>(0u); var w2 = vec4<u32>(0u); var w3 = vec4<u32>(0u);
    if (packed_columns()) {
      let q = row0 / 4u;
      w0 = packed_words(ks, q); w1 = packed_words(ks, q + 1u);
      if (TALL) { w2 = packed_words(ks, q + 2u); w3 = packed_words(ks, q + 3u); }
    }
    var a = lhs_block_row(row0, 0u, ks, w0); c0_0 += b0 * a; if (COL_GROUPS > 1u) { c0_1 += b1 * a; } if (COL_GROUPS > 2u) { c0_2 += b2 * a; } if (COL_GROUPS > 3u) { c0_3 += b3 * a; }
    a = lhs_block_row(row0, 1u, ks, w0); c1_0 += b0 * a; if (COL_GROUPS > 1u) { c1_1 += b1 * a; } if (COL_GROUPS > 2u) { c1_2 += b2 * a; } if (COL_GROUPS > 3u) { c1_3 += b3 * a; }
    a = lhs_block_row(row0, 2u, ks, w0); c2_0 += b0 * a; if (COL_GROUPS > 1u) { c2_1 += b1 * a; } if (COL_GROUPS > 2u) { c2_2 += b2 * a; } if (COL_GROUPS > 3u) { c2_3 += b3 * a; }
    a = lhs_block_row(row0, 3u, ks, w0); c3_0 += b0 * a; if (COL_GROUPS > 1u) { c3_1 += b1 * a; } if (COL_GROUPS > 2u) { c3_2 += b2 * a; } if (COL_GROUPS > 3u) { c3_3 += b3 * a; }
    a = lhs_block_row(row0, 4u, ks, w1); c4_0 += b0 * a; if (COL_GROUPS > 1u) { c4_1 += b1 * a; } if (COL_GROUPS > 2u) { c4_2 += b2 * a; } if (COL_GROUPS > 3u) { c4_3 += b3 * a; }
    a = lhs_block_row(row0, 5u, ks, w1); c5_0 += b0 * a; if (COL_GROUPS > 1u) { c5_1 += b1 * a; } if (COL_GROUPS > 2u) { c5_2 += b2 * a; } if (COL_GROUPS > 3u) { c5_3 += b3 * a; }
    a = lhs_block_row(row0, 6u, ks, w1); c6_0 += b0 * a; if (COL_GROUPS > 1u) { c6_1 += b1 * a; } if (COL_GROUPS > 2u) { c6_2 += b2 * a; } if (COL_GROUPS > 3u) { c6_3 += b3 * a; }
    a = lhs_block_row(row0, 7u, ks, w1); c7_0 += b0 * a; if (COL_GROUPS > 1u) { c7_1 += b1 * a; } if (COL_GROUPS > 2u) { c7_2 += b2 * a; } if (COL_GROUPS > 3u) { c7_3 += b3 * a; }
    if (TALL) {
        a = lhs_block_row(row0, 8u, ks, w2); c8_0 += b0 * a; if (COL_GROUPS > 1u) { c8_1 += b1 * a; } if (COL_GROUPS > 2u) { c8_2 += b2 * a; } if (COL_GROUPS > 3u) { c8_3 += b3 * a; }
        a = lhs_block_row(row0, 9u, ks, w2); c9_0 += b0 * a; if (COL_GROUPS > 1u) { c9_1 += b1 * a; } if (COL_GROUPS > 2u) { c9_2 += b2 * a; } if (COL_GROUPS > 3u) { c9_3 += b3 * a; }
        a = lhs_block_row(row0, 10u, ks, w2); c10_0 += b0 * a; if (COL_GROUPS > 1u) { c10_1 += b1 * a; } if (COL_GROUPS > 2u) { c10_2 += b2 * a; } if (COL_GROUPS > 3u) { c10_3 += b3 * a; }
        a = lhs_block_row(row0, 11u, ks, w2); c11_0 += b0 * a; if (COL_GROUPS > 1u) { c11_1 += b1 * a; } if (COL_GROUPS > 2u) { c11_2 += b2 * a; } if (COL_GROUPS > 3u) { c11_3 += b3 * a; }
        a = lhs_block_row(row0, 12u, ks, w3); c12_0 += b0 * a; if (COL_GROUPS > 1u) { c12_1 += b1 * a; } if (COL_GROUPS > 2u) { c12_2 += b2 * a; } if (COL_GROUPS > 3u) { c12_3 += b3 * a; }
        a = lhs_block_row(row0, 13u, ks, w3); c13_0 += b0 * a; if (COL_GROUPS > 1u) { c13_1 += b1 * a; } if (COL_GROUPS > 2u) { c13_2 += b2 * a; } if (COL_GROUPS > 3u) { c13_3 += b3 * a; }
        a = lhs_block_row(row0, 14u, ks, w3); c14_0 += b0 * a; if (COL_GROUPS > 1u) { c14_1 += b1 * a; } if (COL_GROUPS > 2u) { c14_2 += b2 * a; } if (COL_GROUPS > 3u) { c14_3 += b3 * a; }
        a = lhs_block_row(row0, 15u, ks, w3); c15_0 += b0 * a; if (COL_GROUPS > 1u) { c15_1 += b1 * a; } if (COL_GROUPS > 2u) { c15_2 += b2 * a; } if (COL_GROUPS > 3u) { c15_3 += b3 * a; }
    }
  }
  // The epilogue is written once, in a loop over the block (not 64 inlined copies: the
  // compile time of a variant on a software adapter follows its code size).
  var acc: array<vec4<f32>, 64>;
  acc[0] = c0_0; acc[1] = c0_1; acc[2] = c0_2; acc[3] = c0_3;
  acc[4] = c1_0; acc[5] = c1_1; acc[6] = c1_2; acc[7] = c1_3;
  acc[8] = c2_0; acc[9] = c2_1; acc[10] = c2_2; acc[11] = c2_3;
  acc[12] = c3_0; acc[13] = c3_1; acc[14] = c3_2; acc[15] = c3_3;
  acc[16] = c4_0; acc[17] = c4_1; acc[18] = c4_2; acc[19] = c4_3;
  acc[20] = c5_0; acc[21] = c5_1; acc[22] = c5_2; acc[23] = c5_3;
  acc[24] = c6_0; acc[25] = c6_1; acc[26] = c6_2; acc[27] = c6_3;
  acc[28] = c7_0; acc[29] = c7_1; acc[30] = c7_2; acc[31] = c7_3;
  acc[32] = c8_0; acc[33] = c8_1; acc[34] = c8_2; acc[35] = c8_3;
  acc[36] = c9_0; acc[37] = c9_1; acc[38] = c9_2; acc[39] = c9_3;
  acc[40] = c10_0; acc[41] = c10_1; acc[42] = c10_2; acc[43] = c10_3;
  acc[44] = c11_0; acc[45] = c11_1; acc[46] = c11_2; acc[47] = c11_3;
  acc[48] = c12_0; acc[49] = c12_1; acc[50] = c12_2; acc[51] = c12_3;
  acc[52] = c13_0; acc[53] = c13_1; acc[54] = c13_2; acc[55] = c13_3;
  acc[56] = c14_0; acc[57] = c14_1; acc[58] = c14_2; acc[59] = c14_3;
  acc[60] = c15_0; acc[61] = c15_1; acc[62] = c15_2; acc[63] = c15_3;
  for (var i = 0u; i < block_rows(); i = i + 1u) {
    for (var g = 0u; g < COL_GROUPS; g = g + 1u) {
      finish(row0 + i, col0 + 4u * g, acc[4u * i + g]);
    }
  }
}

// matmul_split: one 8×4 block of out per workgroup of SPLIT invocations, which share its inner
// dimension: invocation s sums the steps (4 inner indices each) s, s + SPLIT, s + 2·SPLIT, …,
// then the partial blocks are added pairwise in workgroup memory (s and s + SPLIT / 2, then
// s + SPLIT / 4, …) and invocation 0 finishes the block. For a GPU's products with few outputs
// and a long inner dimension (a classifier's 256×784 · 784×10 forward: 80 invocations in
// matmul's cut, each walking all 784), where matmul leaves most of the chip idle: on an NVIDIA
// H200 that forward 0.10 → 0.018 ms, its weight gradient 0.040 → 0.017 ms (the rule that picks
// it: SPLIT_OUTPUTS_PER_INNER in src/kernels/dense.ts). Not for a software adapter, where its
// barriers made it 10–120x slower (see matmul's above).
const SPLIT: u32 = 64u;
var<workgroup> split_sums: array<array<vec4<f32>, 8>, SPLIT>;

@compute @workgroup_size(64, 1, 1)
fn matmul_split(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let col0 = wg.x * 4u;
  let row0 = (wg.y + wg.z * groups.y) * BLOCK;
  // The same for the whole workgroup: the barriers below stay in uniform control flow.
  if (col0 >= params.n || row0 >= params.m) { return; }
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
  for (var k = 4u * lane; k < params.k; k = k + 4u * SPLIT) {
    let step = vec4<u32>(k, k + 1u, k + 2u, k + 3u);
    let valid = step < vec4<u32>(params.k);
    let inner = min(step, vec4<u32>(params.k - 1u));
    let ks = stored_inner4(inner);
    let b = zero_rows(rhs_block(rhs_inner4(inner, ks), col0), valid);
    var w0 = vec4<u32>(0u); var w1 = vec4<u32>(0u);
    if (packed_columns()) {
      w0 = packed_words(ks, row0 / 4u);
      w1 = packed_words(ks, row0 / 4u + 1u);
    }
    c0 += b * lhs_block_row(row0, 0u, ks, w0);
    c1 += b * lhs_block_row(row0, 1u, ks, w0);
    c2 += b * lhs_block_row(row0, 2u, ks, w0);
    c3 += b * lhs_block_row(row0, 3u, ks, w0);
    c4 += b * lhs_block_row(row0, 4u, ks, w1);
    c5 += b * lhs_block_row(row0, 5u, ks, w1);
    c6 += b * lhs_block_row(row0, 6u, ks, w1);
    c7 += b * lhs_block_row(row0, 7u, ks, w1);
  }
  split_sums[lane] = array<vec4<f32>, 8>(c0, c1, c2, c3, c4, c5, c6, c7);
  workgroupBarrier();
  for (var half = SPLIT / 2u; half > 0u; half = half / 2u) {
    if (lane < half) {
      for (var i = 0u; i < BLOCK; i = i + 1u) {
        split_sums[lane][i] += split_sums[lane + half][i];
      }
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    for (var i = 0u; i < BLOCK; i = i + 1u) {
      finish(row0 + i, col0, split_sums[0][i]);
    }
  }
}

@compute @workgroup_size(64, 1, 1)
fn bias_grad(@builtin(global_invocation_id) id: vec3<u32>) {
  let c = id.x;
  if (c >= params.n) { return; }
  var sum = 0.0;
  for (var r = 0u; r < params.m; r = r + 1u) {
    sum = sum + bitcast<f32>(lhs[r * params.n + c]);
  }
  out[c] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn bias_grad_vec4(@builtin(global_invocation_id) id: vec3<u32>) {
  let c = id.x;
  let width = params.n / 4u;
  if (c >= width) { return; }
  var sum = vec4<f32>(0.0);
  for (var r = 0u; r < params.m; r = r + 1u) {
    sum = sum + lhs4[r * width + c];
  }
  out4[c] = sum;
}

@compute @workgroup_size(WIDTH, 1, 1)
fn activation_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * WIDTH;
  if (i >= params.m * params.n) { return; }
  out[i] = bitcast<f32>(lhs[i]) * activate_grad(aux[i]);
}
