// loads.wgsl — what one storage load costs an invocation, by the pattern of addresses that
// neighbouring invocations read. On a GPU neighbouring addresses coalesce and a shared
// address broadcasts; a software adapter (SwiftShader) may not care. The answer decides how
// fast a sparse kernel can be relative to a dense one: a CSR product needs about one load
// per FMA, the register-blocked dense product a quarter or less.
//
// Invocation t of workgroup g sums `params.loads` values of `data`, load i at
//   PATTERN 0 (consecutive)  g·4096 + 64·i + t        neighbours read neighbouring floats
//   PATTERN 1 (same)         g·4096 + 64·i            the whole workgroup reads one address
//   PATTERN 2 (strided)      g·4096 + 64·i + 17·t     neighbours 68 bytes apart
//   PATTERN 3 (scattered)    hash(t, i)               a different cache line each time
// every address taken modulo the length of `data` (a power of two, `params.mask` + 1), and
// writes the sum, so no load can be dropped.
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { loads, mask }
//   @binding(1) data   : storage, read        mask + 1 floats
//   @binding(2) out    : storage, read_write  one f32 per invocation
// Dispatch: workgroup 64, grid (groups, 1, 1); loads = groups · 64 · params.loads.

override PATTERN: u32 = 0u;

struct Params {
  loads: u32,
  mask: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn address(g: u32, t: u32, i: u32) -> u32 {
  switch PATTERN {
    case 1u: { return g * 4096u + 64u * i; }
    case 2u: { return g * 4096u + 64u * i + 17u * t; }
    case 3u: { return ((t + 64u * g) * 2654435761u + i * 40503u) >> 8u; }
    default: { return g * 4096u + 64u * i + t; }
  }
}

@compute @workgroup_size(64, 1, 1)
fn loads(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var sum = 0.0;
  for (var i = 0u; i < params.loads; i = i + 1u) {
    sum = sum + data[address(group.x, t, i) & params.mask];
  }
  out[group.x * 64u + t] = sum;
}
