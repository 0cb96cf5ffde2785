// activation.wgsl — activation functions shared by the dense, sparse and graph kernel families,
// and dropout's mask hash (dropout.wgsl, and graph.wgsl's fused tail, which must draw the same
// bits). Not a kernel: prepended to a family's source by the kernel loader (error lines are
// mapped back to the family's own file). Codes: 0 identity, 1 relu, 2 tanh, 3 sigmoid.
// `activate` / `activate_grad` use the including file's `override ACT: u32` (one activation
// per pipeline, folded at compile time); the `_by` forms take the code at run time (the graph
// kernels walk levels of different activations in one dispatch).

// The activation codes the run-time forms may meet, a bit each (bit c for code c); the graph
// kernels set those of their tail's levels. A software adapter evaluates every case of a
// branch on a run-time code, so a tanh and an exp per value would be paid for even where no
// level has them; a bit that is not set folds its case away at compile time (the MNIST
// reference run's final tail, ReLU levels and an identity output, in SwiftShader: graph_forward
// 0.96 → 0.73 ms, graph_backward 0.79 → 0.66 ms a step).
override ACTS_BY: u32 = 15u;

fn sigmoid(z: f32) -> f32 {
  return 1.0 / (1.0 + exp(-z));
}

fn activate_by(code: u32, z: f32) -> f32 {
  var a = z;
  if ((ACTS_BY & 2u) != 0u) { a = select(a, max(z, 0.0), code == 1u); }
  if ((ACTS_BY & 4u) != 0u) { a = select(a, tanh(z), code == 2u); }
  if ((ACTS_BY & 8u) != 0u) { a = select(a, sigmoid(z), code == 3u); }
  return a;
}

// Derivative written in terms of the activation's output a = act(z).
fn activate_grad_by(code: u32, a: f32) -> f32 {
  var d = 1.0;
  if ((ACTS_BY & 2u) != 0u) { d = select(d, select(0.0, 1.0, a > 0.0), code == 1u); }
  if ((ACTS_BY & 4u) != 0u) { d = select(d, 1.0 - a * a, code == 2u); }
  if ((ACTS_BY & 8u) != 0u) { d = select(d, a * (1.0 - a), code == 3u); }
  return d;
}

fn activate(z: f32) -> f32 {
  switch ACT {
    case 1u: { return max(z, 0.0); }
    case 2u: { return tanh(z); }
    case 3u: { return sigmoid(z); }
    default: { return z; }
  }
}

// Dropout's keep probability 1 − rate on the level whose stored activations `activate_grad`
// reads (the source level of a backward's FINISH 2; 1 where that level is not dropped). Those
// activations are dropped out, act · mask / keep, and tanh's and sigmoid's derivatives need
// act itself: where a value was kept it is the stored one times keep; where it was dropped the
// derivative is multiplied by 0 afterwards (dropout.wgsl's backward), so any value does. ReLU's
// and identity's derivatives do not change with the scale, and ignore it.
override DROP_KEEP: f32 = 1.0;

fn activate_grad(a: f32) -> f32 {
  switch ACT {
    case 1u: { return select(0.0, 1.0, a > 0.0); }
    case 2u: { let t = a * DROP_KEEP; return 1.0 - t * t; }
    case 3u: { let s = a * DROP_KEEP; return s * (1.0 - s); }
    default: { return 1.0; }
  }
}

// Chris Wellons' lowbias32 integer hash: dropout's masks (see dropout.wgsl's header).
fn mix(v: u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}

// Dropout's hash prefix of a level at a step (dropout.wgsl): value i of the level's rows ×
// size then takes 16 bits of mix(prefix + i / 2), the low ones for even i (drop_bits).
fn drop_prefix(seed: u32, step: u32, level: u32) -> u32 {
  return mix(level + mix(step + mix(seed)));
}

// The 16 bits that decide value i of a level whose hash prefix is `prefix`: kept ⇔ bits ≥ the
// rate's threshold. The one rule of every kernel that drops values (dropout.wgsl, graph.wgsl's
// fused tail, gather.wgsl's inputs); src/reference/dropout.ts computes the same bits.
fn drop_bits(prefix: u32, i: u32) -> u32 {
  let h = mix(prefix + (i >> 1u));
  return select(h & 0xffffu, h >> 16u, (i & 1u) == 1u);
}

// drop_bits of values i..i+3 for an even i: two hashes, no branch (dropout.wgsl's 4 values an
// invocation; a branch on i's parity cost its kernel 3% on SwiftShader).
fn drop_bits4_even(prefix: u32, i: u32) -> vec4<u32> {
  let a = mix(prefix + (i >> 1u));
  let b = mix(prefix + (i >> 1u) + 1u);
  return vec4<u32>(a & 0xffffu, a >> 16u, b & 0xffffu, b >> 16u);
}

// drop_bits of values i..i+3 for any i: two hashes where i is even, three where it is odd.
fn drop_bits4(prefix: u32, i: u32) -> vec4<u32> {
  if ((i & 1u) == 0u) { return drop_bits4_even(prefix, i); }
  let h = i >> 1u;
  let a = mix(prefix + h);
  let b = mix(prefix + h + 1u);
  let c = mix(prefix + h + 2u);
  return vec4<u32>(a >> 16u, b & 0xffffu, b >> 16u, c & 0xffffu);
}
