// optimizer.wgsl — in-place parameter updates over one flat parameter buffer.
//
// Entry points:
//   advance  one invocation: step += 1, so the step count lives on the GPU and no per-step
//            upload is needed, and the learning rate of that step from the schedule (below)
//            into counter.lr, which the updates read.
//   begin_schedule  one invocation: origin = step, so a call to fit starts its schedule at its
//            first step whatever the step count (recorded once per call, before its first step).
//   adam     Adam (PyTorch semantics); with DECOUPLED = true it is AdamW (decay applied to the
//            parameter, not added to the gradient).
//   sgd      SGD with momentum and L2 weight decay (PyTorch semantics, dampening 0); with
//            NESTEROV = true the step is g + momentum · velocity (PyTorch's nesterov=True)
//            instead of the velocity (false: the code as it was, bit for bit).
//   grad_norm_parts  the gradient's squared L2 norm in parts, one an invocation (below).
//   clip_scale  one workgroup: the norm from the parts, and the factor the update scales the
//            gradient by, min(1, max_norm / (norm + 1e-6)), into counter.scale.
//
// Gradient clipping by the global norm (PyTorch's clip_grad_norm_): with CLIP = true the
// updates read their gradient as grad · counter.scale, which clip_scale wrote this step, in
// registers (the gradient buffer keeps the raw gradient, which the running edge statistics
// read). CLIP = false (no clipping) leaves the updates' code as it was, bit for bit.
// grad_norm_parts walks the first `count` values in vec4s, each lane a stride of the grid
// into a part of its own (no barrier: a software adapter runs a workgroup barrier as a switch
// between its lanes' coroutines, and a tree of eight took 6.5 ms a step where this takes 0.1);
// clip_scale's lanes each add a stride of the parts, and its lane 0 their sums, in a fixed
// order, so the norm's bits do not vary between runs;
// with TIED = true each value's square is weighted by counted[i] (1, or 0 for the second and
// later slots of a shared value, which hold the same summed gradient: shaders/tie.wgsl), so a
// shared value counts once, as a parameter does in PyTorch. A partial last vec4 counts only
// its values below `count` (the slots past the structure's may hold stale gradients).
// clip_scale adds the norm and whether it clipped (1 or 0) to stats[hyper.slot] and
// stats[hyper.slot + 1] (fit's: in the epoch's training accumulator, read back with its losses).
//
// Adam's bias corrections 1 − β^t count each value's own steps, t = step − birth, as PyTorch
// counts each parameter's: a value that growth adds at step s (moments zero, birth s) takes
// the first update of a fresh Adam at step s + 1, not one scaled by the corrections of the
// whole network's age (with those ≈ 1 its first steps would be 2.5–6 times the learning rate).
// BIRTHS = false: every value was born at step 0 (the birth binding is not read).
//
// Learning-rate schedule (src/train/schedule.ts, whose scheduledLr is the CPU definition), at
// step t = step − origin + offset (1-based; offset: the schedule's steps that earlier calls
// trained, where a call goes on with a schedule a stopped run began): schedule 0 constant lr;
// 1 step: lr · gamma^⌊(t − 1) / every⌋; 2 cosine: min_lr + (lr − min_lr) · (1 + cos(π p)) / 2,
// p = (t − 1 − warmup) / (total − warmup) clamped to [0, 1]; any of them times t / warmup
// while t < warmup. The constant schedule without warm-up stores hyper.lr itself, so training
// without a schedule is unchanged bit for bit.
//
// Bindings (group 0):
//   @binding(0) hyper   : uniform Hyper { count, lr, beta1, beta2, eps, weight_decay, momentum,
//                         schedule, warmup, total, every, gamma, min_lr, offset, max_norm, parts,
//                         slot }
//   @binding(1) counter : storage, read_write  Counter { step, origin, lr, scale } (f32; 16 bytes)
//   adam / sgd (one value per invocation):
//   @binding(2) param   : storage, read_write  count values
//   @binding(3) grad    : storage, read        count values
//   @binding(4) moment1 : storage, read_write  count values (Adam m, SGD momentum buffer)
//   @binding(5) moment2 : storage, read_write  count values (Adam v; unused by sgd)
//   @binding(10) birth  : storage, read        count values, the step each value was born at (adam)
//   adam_vec4 / sgd_vec4 (4 values per invocation, count a multiple of 4): the same buffers
//   as vec4 arrays at @binding(6) param4, (7) grad4, (8) moment1_4, (9) moment2_4, (11) birth4.
//   Every value costs 4 or 5 loads and 3 stores, and a software adapter pays per access: the
//   vec4 form makes a quarter of them (Adam over 784-96-10's 76,330 values in SwiftShader,
//   Node: 1.35 → 0.74–0.82 ms).
//   grad_norm_parts: @binding(7) grad4 (⌈count / 4⌉ vec4s), @binding(12) counted : storage,
//   read vec4, the same length (read where TIED), @binding(13) parts : storage, read_write f32,
//   one an invocation. clip_scale: @binding(1) counter, @binding(13) parts (hyper.parts of
//   them), @binding(14) stats : storage, read_write f32, at least NORM_SLOT + 2 of them.
//
// Dispatch: advance, begin_schedule: grid (1, 1, 1). grad_norm_parts: workgroup WIDTH, grid
//   (x, 1, 1), x at most MAX_NORM_GROUPS (src/kernels/optimizer.ts). clip_scale: workgroup
//   SUM_LANES (32), grid (1, 1, 1).
// Dispatch of the updates: adam / sgd: workgroup WIDTH (256), one invocation per value
//   (per 4 values for the _vec4 forms), grid (x, y, 1) with x·y·WIDTH ≥ invocations (y > 1 only
//   past 65535 groups).

// The width of this file's 256-wide workgroups: the device's most where it allows fewer (a
// compatibility-mode device's default is 128); set by KernelCache (wideWorkgroup, src/kernels/kernel.ts).
override WIDTH: u32 = 256u;
override DECOUPLED: bool = false;
override BIRTHS: bool = false;
override CLIP: bool = false;
override TIED: bool = false;
override NESTEROV: bool = false;

struct Hyper {
  count: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  momentum: f32,
  schedule: u32,  // 0 constant, 1 step, 2 cosine
  warmup: f32,    // steps
  total: f32,     // steps of the schedule (the call's, and any before it by offset)
  every: f32,     // steps between step decays
  gamma: f32,
  min_lr: f32,
  offset: f32,    // steps of the schedule trained before the call
  max_norm: f32,  // clipping's largest norm (clip_scale)
  parts: u32,     // the parts grad_norm_parts wrote (clip_scale)
  slot: u32,      // where in stats clip_scale adds the norm and the clipped count
}

struct Counter {
  step: f32,
  origin: f32, // the step count before the call's first step
  lr: f32,     // this step's learning rate, written by advance
  scale: f32,  // the factor of this step's gradient, written by clip_scale (read where CLIP)
}

const STEP_DECAY: u32 = 1u;
const COSINE: u32 = 2u;
const PI: f32 = 3.14159265358979;
// clip_scale's lanes. A software adapter's barrier costs in proportion to the lanes it
// switches between (256 lanes: 0.23 ms a step, 64: 0.15, 32: 0.07); they sum at most 16,384
// parts (64 groups of 256), 512 each.
const SUM_LANES: u32 = 32u;

@group(0) @binding(0) var<uniform> hyper: Hyper;
@group(0) @binding(1) var<storage, read_write> counter: Counter;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> moment1: array<f32>;
@group(0) @binding(5) var<storage, read_write> moment2: array<f32>;
@group(0) @binding(6) var<storage, read_write> param4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> grad4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> moment1_4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> moment2_4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read> birth: array<f32>;
@group(0) @binding(11) var<storage, read> birth4: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read> counted: array<vec4<f32>>;
@group(0) @binding(13) var<storage, read_write> parts: array<f32>;
@group(0) @binding(14) var<storage, read_write> stats: array<f32>;

var<workgroup> lane_sums: array<f32, SUM_LANES>;

// The learning rate of the schedule's step t (1-based); see the header.
fn scheduled_lr(t: f32) -> f32 {
  var rate = hyper.lr;
  if (hyper.schedule == STEP_DECAY) {
    // Half a step of margin: a quotient of whole numbers that is exactly k may come out a
    // rounding below k where division is approximate.
    rate = hyper.lr * pow(hyper.gamma, floor((t - 0.5) / hyper.every));
  } else if (hyper.schedule == COSINE) {
    let progress = clamp((t - 1.0 - hyper.warmup) / max(hyper.total - hyper.warmup, 1.0), 0.0, 1.0);
    rate = hyper.min_lr + (hyper.lr - hyper.min_lr) * 0.5 * (1.0 + cos(PI * progress));
  }
  if (t < hyper.warmup) { rate = rate * t / hyper.warmup; }
  return rate;
}

@compute @workgroup_size(1, 1, 1)
fn advance() {
  counter.step = counter.step + 1.0;
  counter.lr = scheduled_lr(counter.step - counter.origin + hyper.offset);
}

@compute @workgroup_size(1, 1, 1)
fn begin_schedule() {
  counter.origin = counter.step;
}

fn value_index(id: vec3<u32>, groups: vec3<u32>) -> u32 {
  return id.x + id.y * groups.x * WIDTH;
}

// Parameter and moments after one update; the scalar and vec4 entry points share this math
// (the scalar ones in lane x).
struct Updated {
  param: vec4<f32>,
  moment1: vec4<f32>,
  moment2: vec4<f32>,
}

// The step's gradient: clipped by clip_scale's factor where CLIP.
fn clipped(g: vec4<f32>) -> vec4<f32> {
  if (CLIP) { return g * counter.scale; }
  return g;
}

fn adam_update(p0: vec4<f32>, g0: vec4<f32>, m0: vec4<f32>, v0: vec4<f32>, born: vec4<f32>) -> Updated {
  var p = p0;
  var g = clipped(g0);
  if (DECOUPLED) {
    p = p * (1.0 - counter.lr * hyper.weight_decay);
  } else {
    g = g + hyper.weight_decay * p;
  }
  let m = hyper.beta1 * m0 + (1.0 - hyper.beta1) * g;
  let v = hyper.beta2 * v0 + (1.0 - hyper.beta2) * g * g;
  // Each value's own step count (see the header); at least 1, as the step was advanced first.
  let t = max(vec4<f32>(counter.step) - born, vec4<f32>(1.0));
  let correction1 = 1.0 - pow(vec4<f32>(hyper.beta1), t);
  let correction2 = 1.0 - pow(vec4<f32>(hyper.beta2), t);
  let denom = sqrt(v) / sqrt(correction2) + hyper.eps;
  return Updated(p - (counter.lr / correction1) * m / denom, m, v);
}

fn sgd_update(p: vec4<f32>, g0: vec4<f32>, b0: vec4<f32>) -> Updated {
  let g = clipped(g0) + hyper.weight_decay * p;
  let velocity = hyper.momentum * b0 + g;
  var direction = velocity;
  if (NESTEROV) { direction = g + hyper.momentum * velocity; }
  return Updated(p - counter.lr * direction, velocity, vec4<f32>(0.0));
}

@compute @workgroup_size(WIDTH, 1, 1)
fn adam(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = value_index(id, groups);
  if (i >= hyper.count) { return; }
  var born = 0.0;
  if (BIRTHS) { born = birth[i]; }
  let u = adam_update(vec4<f32>(param[i]), vec4<f32>(grad[i]), vec4<f32>(moment1[i]), vec4<f32>(moment2[i]), vec4<f32>(born));
  moment1[i] = u.moment1.x;
  moment2[i] = u.moment2.x;
  param[i] = u.param.x;
}

@compute @workgroup_size(WIDTH, 1, 1)
fn adam_vec4(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = value_index(id, groups);
  if (i >= hyper.count / 4u) { return; }
  var born = vec4<f32>(0.0);
  if (BIRTHS) { born = birth4[i]; }
  let u = adam_update(param4[i], grad4[i], moment1_4[i], moment2_4[i], born);
  moment1_4[i] = u.moment1;
  moment2_4[i] = u.moment2;
  param4[i] = u.param;
}

@compute @workgroup_size(WIDTH, 1, 1)
fn sgd(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = value_index(id, groups);
  if (i >= hyper.count) { return; }
  let u = sgd_update(vec4<f32>(param[i]), vec4<f32>(grad[i]), vec4<f32>(moment1[i]));
  moment1[i] = u.moment1.x;
  param[i] = u.param.x;
}

@compute @workgroup_size(WIDTH, 1, 1)
fn sgd_vec4(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = value_index(id, groups);
  if (i >= hyper.count / 4u) { return; }
  let u = sgd_update(param4[i], grad4[i], moment1_4[i]);
  moment1_4[i] = u.moment1;
  param4[i] = u.param;
}

@compute @workgroup_size(WIDTH, 1, 1)
fn grad_norm_parts(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let vectors = (hyper.count + 3u) / 4u;
  let stride = groups.x * WIDTH;
  var sum = 0.0;
  for (var i = id.x; i < vectors; i += stride) {
    var g = grad4[i];
    // The values of a last, partial vec4 past count are not the structure's.
    let first = i * 4u;
    g = select(vec4<f32>(0.0), g, vec4<u32>(first, first + 1u, first + 2u, first + 3u) < vec4<u32>(hyper.count));
    var squares = g * g;
    if (TIED) { squares = squares * counted[i]; }
    sum += squares.x + squares.y + squares.z + squares.w;
  }
  parts[id.x] = sum;
}

@compute @workgroup_size(SUM_LANES, 1, 1)
fn clip_scale(@builtin(local_invocation_index) lane: u32) {
  var sum = 0.0;
  for (var k = lane; k < hyper.parts; k += SUM_LANES) { sum += parts[k]; }
  lane_sums[lane] = sum;
  workgroupBarrier();
  if (lane != 0u) { return; }
  var squares = 0.0;
  for (var l = 0u; l < SUM_LANES; l++) { squares += lane_sums[l]; }
  let norm = sqrt(squares);
  // PyTorch's clip_grad_norm_: the factor is max_norm / (norm + 1e-6), at most 1.
  let factor = hyper.max_norm / (norm + 1e-6);
  let clips = factor < 1.0;
  counter.scale = select(1.0, factor, clips);
  stats[hyper.slot] += norm;
  stats[hyper.slot + 1u] += select(0.0, 1.0, clips);
}
