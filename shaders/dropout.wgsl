// dropout.wgsl — inverted dropout of a hidden level, in place: each value is kept with
// probability 1 − rate and scaled by 1 / (1 − rate), or set to 0.
//
// A training step runs it twice on each hidden level: on the level's activations once its
// forward has written them (before any block reads them), and on the gradient of its
// pre-activations once every block out of it has written that gradient (before any block into
// it reads it). The mask is recomputed from a hash of (seed, step, level, index), so nothing is
// stored between the two passes; the step is read from the optimizer's counter on the GPU
// (Counter.step of optimizer.wgsl, advanced after the backward), so a step recorded once
// replays with a new mask every time, without an upload.
//
// Why the backward is one multiplication: the kernels take an activation's derivative from the
// stored activation, here the dropped-out one. For ReLU (a > 0) and identity (1) that
// derivative is the same as the unscaled activation's; for tanh and sigmoid the kernels that
// take it are given DROP_KEEP = 1 − rate (activation.wgsl) and take it at the stored value
// times that, the value before dropout wherever it was kept. So the gradient they leave times
// mask · scale is the exact gradient of mask · scale · act(z) (where a value was dropped the
// mask zeroes whatever derivative was taken). After a ReLU level the mask is already in that
// gradient (a dropped value is 0, and ReLU's derivative at 0 is 0), so its backward runs with
// MASK off: a multiplication by scale alone, no hash.
//
// The mask: an invocation takes 4 neighbouring values, 4t … 4t + 3, and draws two 32-bit
// hashes, mix(prefix + 2t) and mix(prefix + 2t + 1), whose low and high 16 bits decide one
// value each: kept ⇔ bits ≥ threshold, threshold = ⌊rate · 2¹⁶⌋ (so a value is dropped with
// probability threshold / 2¹⁶, within 2⁻¹⁶ of the rate). prefix = mix(level + mix(step +
// mix(seed))); mix is Chris Wellons' lowbias32 integer hash (drop_prefix, drop_bits4_even and mix in
// activation.wgsl, shared with graph.wgsl's fused tail and gather.wgsl's input dropout, which
// drop their values the same way). One hash per two values,
// its prefix shared by four: the hashing is what this kernel spends its time on in SwiftShader.
// src/reference/dropout.ts computes the same bits.
//
// Bindings (group 0):
//   @binding(0) params  : uniform Params { count, level, seed, threshold, scale }
//   @binding(1) values  : storage, read_write  f32 × count (rows × level size, row-major)
//   @binding(2) counter : storage, read  f32; counter[0] is the step (a whole number below 2²⁴)
//
// Override MASK (default true): false multiplies every value by scale (a ReLU level's backward).
// Entry point: dropout. Dispatch: workgroup WIDTH (256), one invocation per 4 values, grid
//   (x, y, 1) with x·y·WIDTH ≥ ⌈count / 4⌉ (y > 1 only past 65535 groups).

// Set by KernelCache (wideWorkgroup, src/kernels/kernel.ts) where the device allows fewer than 256.
override WIDTH: u32 = 256u;
override MASK: bool = true;
override ACT: u32 = 0u; // unused here; the activation prelude's fixed-code functions read it
struct Params {
  count: u32,
  level: u32,
  seed: u32,
  threshold: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read> counter: array<f32>;

@compute @workgroup_size(WIDTH, 1, 1)
fn dropout(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = id.x + id.y * groups.x * WIDTH;
  let first = 4u * t;
  if (first >= params.count) { return; }
  var factor = vec4<f32>(params.scale);
  if (MASK) {
    let bits = drop_bits4_even(drop_prefix(params.seed, u32(counter[0]), params.level), first);
    factor = select(vec4<f32>(0.0), factor, bits >= vec4<u32>(params.threshold));
  }
  let n = min(4u, params.count - first);
  for (var k = 0u; k < n; k++) {
    values[first + k] = values[first + k] * factor[k];
  }
}
