// optimizer.wgsl — in-place parameter updates over one flat parameter buffer.
//
// Entry points:
//   advance  one invocation: step += 1 and the Adam bias corrections for the new step, so
//            the step count lives on the GPU and no per-step upload is needed.
//   adam     Adam (PyTorch semantics); with DECOUPLED = true it is AdamW (decay applied to the
//            parameter, not added to the gradient).
//   sgd      SGD with momentum and L2 weight decay (PyTorch semantics, dampening 0).
//
// Bindings (group 0):
//   @binding(0) hyper   : uniform Hyper { count, lr, beta1, beta2, eps, weight_decay, momentum }
//   @binding(1) counter : storage, read_write  Counter { step, correction1, correction2 }
//   @binding(2) param   : storage, read_write  count values
//   @binding(3) grad    : storage, read        count values
//   @binding(4) moment1 : storage, read_write  count values (Adam m, SGD momentum buffer)
//   @binding(5) moment2 : storage, read_write  count values (Adam v; unused by sgd)
//
// Dispatch: advance: grid (1, 1, 1). adam / sgd: workgroup 256, one invocation per value,
//   grid (x, y, 1) with x·y·256 ≥ count (y > 1 only past 65535 groups).

override DECOUPLED: bool = false;

struct Hyper {
  count: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  momentum: f32,
}

struct Counter {
  step: f32,
  correction1: f32,
  correction2: f32,
}

@group(0) @binding(0) var<uniform> hyper: Hyper;
@group(0) @binding(1) var<storage, read_write> counter: Counter;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> moment1: array<f32>;
@group(0) @binding(5) var<storage, read_write> moment2: array<f32>;

@compute @workgroup_size(1, 1, 1)
fn advance() {
  let step = counter.step + 1.0;
  counter.step = step;
  counter.correction1 = 1.0 - pow(hyper.beta1, step);
  counter.correction2 = 1.0 - pow(hyper.beta2, step);
}

fn value_index(id: vec3<u32>, groups: vec3<u32>) -> u32 {
  return id.x + id.y * groups.x * 256u;
}

@compute @workgroup_size(256, 1, 1)
fn adam(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = value_index(id, groups);
  if (i >= hyper.count) { return; }
  var p = param[i];
  var g = grad[i];
  if (DECOUPLED) {
    p = p * (1.0 - hyper.lr * hyper.weight_decay);
  } else {
    g = g + hyper.weight_decay * p;
  }
  let m = hyper.beta1 * moment1[i] + (1.0 - hyper.beta1) * g;
  let v = hyper.beta2 * moment2[i] + (1.0 - hyper.beta2) * g * g;
  moment1[i] = m;
  moment2[i] = v;
  let denom = sqrt(v) / sqrt(counter.correction2) + hyper.eps;
  param[i] = p - (hyper.lr / counter.correction1) * m / denom;
}

@compute @workgroup_size(256, 1, 1)
fn sgd(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = value_index(id, groups);
  if (i >= hyper.count) { return; }
  let p = param[i];
  let g = grad[i] + hyper.weight_decay * p;
  let velocity = hyper.momentum * moment1[i] + g;
  moment1[i] = velocity;
  param[i] = p - hyper.lr * velocity;
}
