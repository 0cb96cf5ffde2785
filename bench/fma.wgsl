// fma.wgsl — the adapter's arithmetic ceiling: nothing but independent vec4 FMAs on registers.
//
// Each invocation runs `params.iterations` rounds of 8 independent vec4 fma chains
// (x = x · m + c, 8 × 4 lanes = 32 FMAs = 64 flops a round) and writes the sum of its chains,
// so the compiler cannot drop the work. With x0 = 1 and m = 1 - 2⁻¹⁰, c = 2⁻¹¹ every chain
// converges towards c / (1 - m) = 0.5, which the benchmark checks on the CPU.
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { iterations, m, c }
//   @binding(1) out    : storage, read_write   one f32 per invocation
// Dispatch: workgroup 64, grid (groups, 1, 1); flops = groups · 64 · iterations · 64.

struct Params {
  iterations: u32,
  m: f32,
  c: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn fma_ceiling(@builtin(global_invocation_id) id: vec3<u32>) {
  let m = vec4<f32>(params.m);
  let c = vec4<f32>(params.c);
  var a0 = vec4<f32>(1.0); var a1 = vec4<f32>(1.0); var a2 = vec4<f32>(1.0); var a3 = vec4<f32>(1.0);
  var a4 = vec4<f32>(1.0); var a5 = vec4<f32>(1.0); var a6 = vec4<f32>(1.0); var a7 = vec4<f32>(1.0);
  for (var i = 0u; i < params.iterations; i = i + 1u) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  out[id.x] = (s.x + s.y + s.z + s.w) / 32.0;
}
