import { ConfigError, DestroyedError, ShapeError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { Random } from '../data/random.js';
import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer, uploadStorage, writeView } from '../gpu/upload.js';
import { type Activation, checkActivation } from '../kernels/activation.js';
import type { KernelCache } from '../kernels/kernel.js';
import { type Evaluation, evaluate, fit, gradients, predict, type Trainable } from '../train/loop.js';
import type { EpochReport, FitOptions, LossName, OptimizerName } from '../train/options.js';
import { OptimizerState } from '../train/optimizerState.js';
import { countParameters, type LayerInfo, layoutParameters } from './layout.js';

/** How to build a dense network. */
export interface NetworkSpec {
  /** Layer widths from inputs to outputs, e.g. `[784, 96, 10]`. */
  sizes: readonly number[];
  /** One per connection block (sizes.length − 1); default ReLU for hidden layers, identity for the output. */
  activations?: readonly Activation[];
  /** Seed of the weight initialisation (PyTorch's `nn.Linear` scheme: U(±1/√fan_in)). */
  seed?: number;
}

/** Weights (inputs × outputs, row-major) and bias of one layer, on the CPU. */
export interface LayerWeights {
  weights: Float32Array;
  bias: Float32Array;
}

/** The parts of a runtime a network uses. */
export interface RuntimeParts {
  readonly gpu: GpuContext;
  readonly kernels: KernelCache;
}

function checkSpec(spec: NetworkSpec): { inputs: number; outputs: number; activation: Activation }[] {
  const sizes = spec.sizes;
  if (!Array.isArray(sizes) || sizes.length < 2) throw new ShapeError(`sizes must list at least inputs and outputs, got [${String(sizes)}]`);
  for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new ShapeError(`layer sizes must be positive integers, got [${sizes.join(', ')}]`);
  const blocks = sizes.length - 1;
  const activations = spec.activations ?? Array.from({ length: blocks }, (_, i) => (i === blocks - 1 ? 'identity' : 'relu'));
  if (activations.length !== blocks) {
    throw new ShapeError(`${blocks} layers need ${blocks} activations, got ${activations.length}`);
  }
  return activations.map((a, i) => ({ inputs: sizes[i]!, outputs: sizes[i + 1]!, activation: checkActivation(a) }));
}

/**
 * A feed-forward network whose parameters live in one flat GPU buffer. Create it with
 * {@link Runtime.createNetwork}; call {@link Network.destroy} to free its GPU memory.
 */
export class Network implements Trainable {
  readonly layers: readonly LayerInfo[];
  readonly parameterCount: number;
  private readonly owner: BufferOwner;
  private readonly paramBuffer: OwnedBuffer;
  private readonly gradBuffer: OwnedBuffer;
  private optimizer: OptimizerState | null = null;
  private busy: string | null = null;

  constructor(
    private readonly runtime: RuntimeParts,
    spec: NetworkSpec,
  ) {
    const blocks = checkSpec(spec);
    runtime.gpu.check();
    const { layers, floats } = layoutParameters(blocks);
    this.layers = layers;
    this.parameterCount = countParameters(layers);
    const initial = new Float32Array(floats);
    const rng = new Random(spec.seed ?? 0);
    for (const l of layers) {
      const bound = 1 / Math.sqrt(l.inputs);
      for (let i = 0; i < l.inputs * l.outputs; i++) initial[l.weightOffset + i] = rng.uniform(-bound, bound);
      for (let i = 0; i < l.outputs; i++) initial[l.biasOffset + i] = rng.uniform(-bound, bound);
    }
    this.owner = runtime.gpu.memory.owner('network');
    this.paramBuffer = uploadStorage(runtime.gpu.device, this.owner, 'parameters', initial);
    this.gradBuffer = storageBuffer(runtime.gpu.device, this.owner, 'gradients', floats * 4);
  }

  get gpu(): GpuContext {
    return this.runtime.gpu;
  }
  get kernels(): KernelCache {
    return this.runtime.kernels;
  }
  get inputs(): number {
    return this.layers[0]!.inputs;
  }
  get outputs(): number {
    return this.layers[this.layers.length - 1]!.outputs;
  }
  /** Layer widths, inputs first. */
  get sizes(): number[] {
    return [this.inputs, ...this.layers.map((l) => l.outputs)];
  }
  /** The flat parameter buffer (weights and biases at each layer's offsets). */
  get params(): GPUBuffer {
    return this.paramBuffer.buffer;
  }
  /** The flat gradient buffer, parallel to {@link params}. */
  get grads(): GPUBuffer {
    return this.gradBuffer.buffer;
  }
  /** GPU bytes held by this network (parameters, gradients, optimizer state). */
  get gpuBytes(): number {
    return this.owner.bytes;
  }

  /** @internal used by the training loop. */
  optimizerFor(name: OptimizerName): OptimizerState {
    if (this.optimizer?.name !== name) {
      this.optimizer?.destroy();
      this.optimizer = new OptimizerState(this.gpu.device, this.owner, this.paramBuffer.size / 4, name);
    }
    return this.optimizer;
  }

  /** Train; returns one report per epoch. Invalid options or data throw before any GPU work. */
  fit(train: Dataset, options: FitOptions = {}): Promise<EpochReport[]> {
    return this.exclusive('fit', () => fit(this, train, options));
  }

  /** Mean loss and accuracy over `data`. */
  evaluate(data: Dataset, loss: LossName = 'softmax-cross-entropy'): Promise<Evaluation> {
    return this.exclusive('evaluate', () => evaluate(this, data, loss));
  }

  /** Outputs (rows × outputs, before any softmax) for every row of `data`. */
  predict(data: Dataset): Promise<Float32Array> {
    return this.exclusive('predict', () => predict(this, data));
  }

  /**
   * Gradients of the mean loss over `data` (taken as one batch) for every layer, without
   * changing any parameter: what a training step would apply.
   */
  async gradients(data: Dataset, loss: LossName = 'softmax-cross-entropy'): Promise<LayerWeights[]> {
    const flat = await this.exclusive('gradients', () => gradients(this, data, loss));
    return this.unflatten(flat);
  }

  /** Copy every layer's weights and bias to the CPU. */
  async getWeights(): Promise<LayerWeights[]> {
    this.assertUsable();
    return this.unflatten(await this.gpu.readFloats(this.params));
  }

  private unflatten(all: Float32Array): LayerWeights[] {
    return this.layers.map((l) => ({
      weights: all.slice(l.weightOffset, l.weightOffset + l.inputs * l.outputs),
      bias: all.slice(l.biasOffset, l.biasOffset + l.outputs),
    }));
  }

  /** Replace every layer's weights and bias; shapes are checked first, so a bad call changes nothing. */
  setWeights(weights: readonly LayerWeights[]): void {
    this.assertUsable();
    if (weights.length !== this.layers.length) throw new ShapeError(`expected weights for ${this.layers.length} layers, got ${weights.length}`);
    weights.forEach((w, i) => {
      const l = this.layers[i]!;
      if (w.weights.length !== l.inputs * l.outputs || w.bias.length !== l.outputs) {
        throw new ShapeError(`layer ${i} is ${l.inputs}×${l.outputs}; got ${w.weights.length} weights and ${w.bias.length} biases`);
      }
      for (const v of [...w.weights, ...w.bias]) if (!Number.isFinite(v)) throw new ShapeError(`layer ${i} weights contain ${v}`);
    });
    weights.forEach((w, i) => {
      const l = this.layers[i]!;
      writeView(this.gpu.device, this.params, l.weightOffset * 4, w.weights);
      writeView(this.gpu.device, this.params, l.biasOffset * 4, w.bias);
    });
  }

  /** Free all GPU memory of this network. Safe to call twice. */
  destroy(): void {
    this.owner.destroy();
    this.optimizer = null;
  }

  private assertUsable(): void {
    if (this.owner.isDestroyed) throw new DestroyedError('this network was destroyed');
  }

  private async exclusive<T>(what: string, body: () => Promise<T>): Promise<T> {
    this.assertUsable();
    if (this.busy) throw new ConfigError(`cannot ${what} while ${this.busy} is running on this network`);
    this.busy = what;
    try {
      return await body();
    } finally {
      this.busy = null;
    }
  }
}
