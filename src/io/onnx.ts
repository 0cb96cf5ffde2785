// ONNX export: a network (or a checkpoint) as an ONNX model that any ONNX runtime runs
// (onnxruntime in Python, C++, C#, the browser; TensorRT; …), for deploying a grown network
// where senn is not.
//
// The graph: input `inputs` (batch × inputs, float, as the network sees them), each level in
// evaluation order as its pre-activation (bias, plus one term per block in) and activation,
// output `outputs` (batch × outputs, before any softmax) and, where asked, `probabilities`
// (their softmax). A block is a matrix product over the columns of its sources with edges
// (Gather, MatMul), or, below `denseFrom`, edge by edge: Gather its sources' columns, Mul by
// its weights, ScatterElements (reduction add) into its destinations. A block that is a
// convolution over an image, and a pooling level over one, are Conv, MaxPool and AveragePool
// on the image as batch × channels × height × width (Reshape, Transpose; see onnxImage.ts);
// any other pooling level gathers its windows' sources and scatters them with reduction max
// (or add, times 1 / the window's size). Opset 13, or 16 with blocks edge by edge, 18 with
// max pooling by windows of edges (ScatterElements' reductions).
import protobuf from 'protobufjs';
import { booleanArg, objectArg } from '../args.js';
import { datasetClassNames } from '../data/idx.js';
import { ConfigError } from '../errors.js';
import { activeSources } from '../graph/csr.js';
import type { Network } from '../graph/network.js';
import { type Block, blockWeights, type Structure } from '../graph/structure.js';
import type { Activation } from '../kernels/activation.js';
import { classNames } from '../train/classify.js';
import { SENN_VERSION } from '../version.js';
import { checkpointRun, checkpointState, type RunInfo } from './checkpoint.js';
import { convolutionLayout, type ImageShape, type ImageWindows, poolLayout } from './onnxImage.js';
import { ATTRIBUTE_INT, ATTRIBUTE_INTS, ATTRIBUTE_STRING, ONNX_FLOAT, ONNX_INT32, ONNX_INT64, ONNX_SCHEMA } from './onnxSchema.js';

/**
 * The ONNX operator sets a model may need: matrix products, activations and softmax run on
 * opset 13 runtimes; blocks edge by edge need 16 (ScatterElements' reduction add), max
 * pooling 18 (its reduction max). Each model names the lowest its nodes allow, so older
 * runtimes take what they can run.
 */
const OPSET_BASE = 13;
const OPSET_SCATTER_ADD = 16;
const OPSET_SCATTER_MAX = 18;
/** The ONNX IR version of an opset (opsets 15 and later came with IR version 8). */
const irVersionOf = (opset: number) => (opset >= 15 ? 8 : 7);

/** Options of {@link networkToOnnx} and {@link checkpointToOnnx}. */
export interface OnnxOptions {
  /**
   * Add a second output, `probabilities`: the softmax of each row's outputs (a classifier's
   * class probabilities, as `Network.classify` computes them). Default: where the run says
   * the network is a classifier's (`run`, or a checkpoint's own).
   */
  probabilities?: boolean;
  /**
   * How the network was trained, as `senn train` and the demo describe it in a checkpoint
   * (`saveNetwork(net, run)`), kept in the model's metadata as JSON (`senn.run`: the dataset,
   * how its inputs are scaled or standardised, the options); a classifier's class names go
   * to `classes`. `checkpointToOnnx` reads the checkpoint's own.
   */
  run?: RunInfo;
  /**
   * Blocks with at least this share of their src × dst edges become a matrix product (the
   * rows of the sources with edges, zeros where no edge is); sparser ones are computed edge by
   * edge (their weights and endpoints only, 12 bytes an edge). Default 0: every block a
   * matrix. Edge by edge makes smaller files of large, very sparse blocks but runs far slower
   * in onnxruntime (the MNIST reference run's network over 10,000 rows: 0.4 s as matrices,
   * 280 KiB; 4–5 s with 0.25, 123 KiB; 12.5 s edge by edge throughout).
   */
  denseFrom?: number;
  /**
   * Write a block that is a convolution over an image (as `convolutionConnections` and `senn
   * train --conv` make them: the same edges and weight sharing, less any kernel entries a
   * split of its level took, written as zeros) as ONNX Conv, and a pooling
   * level over an image as MaxPool or AveragePool, on the image as batch × channels × height ×
   * width. Default true: a convolution over MNIST's pixels is then its 200 weights, not a
   * 784 × 6,272 matrix (19 MiB). False writes them as any other block and pooling level.
   */
  imageOperators?: boolean;
  /**
   * More strings for the model's `metadata_props`, beside what senn writes there: `senn.version`,
   * `architecture` (the levels' sizes), and from `run` `senn.run` and `classes`.
   */
  metadata?: Record<string, string>;
  /**
   * The model takes `inputs` as the dataset holds them (image bytes 0–255 as floats, a CSV
   * file's feature values) and scales and standardises them itself, as the run's data recipe
   * says (`run.data.featureScale`, `run.data.standardize`: what `senn train` and the demo
   * record). Default false: the inputs as the network sees them. A `ConfigError` without a
   * run that says how.
   */
  rawInputs?: boolean;
  /** The model's description (`doc_string`). */
  description?: string;
}

const DEFAULT_DENSE_FROM = 0;

/** A model as written: its bytes, the opset it names, and whether it has the `probabilities` output. */
interface OnnxModel {
  model: Uint8Array;
  opset: number;
  probabilities: boolean;
}

type Attribute = { name: string; type: number; i?: number; ints?: number[]; s?: Uint8Array };
type TensorData = Float32Array | Int32Array | BigInt64Array;

/** The nodes and initializers of an ONNX graph being built, each value named once. */
class GraphBuilder {
  readonly nodes: { opType: string; input: string[]; output: string[]; name: string; attribute: Attribute[] }[] = [];
  readonly initializers: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[] = [];
  /** The lowest opset the nodes so far run on. */
  opset = OPSET_BASE;
  private readonly constants = new Map<string, string>();

  /** A constant tensor, named `name`. */
  tensor(name: string, dims: number[], data: TensorData): string {
    const dataType = data instanceof Float32Array ? ONNX_FLOAT : data instanceof Int32Array ? ONNX_INT32 : ONNX_INT64;
    // raw_data is little-endian, as typed arrays are on every platform WebGPU runs on.
    this.initializers.push({ name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** A 1-D int64 constant (a shape, a slice bound), shared by every node that uses the same values. */
  int64s(values: readonly number[]): string {
    const key = values.join(',');
    let name = this.constants.get(key);
    if (!name) {
      name = this.tensor(`const_i64_${this.constants.size}`, [values.length], BigInt64Array.from(values, BigInt));
      this.constants.set(key, name);
    }
    return name;
  }

  /** Node `op` of `inputs` writing `output`, with its attributes. */
  node(op: string, inputs: string[], output: string, attributes: Attribute[] = []): string {
    this.nodes.push({ opType: op, input: inputs, output: [output], name: `${op}_${this.nodes.length}`, attribute: attributes });
    return output;
  }
}

const intAttribute = (name: string, i: number): Attribute => ({ name, type: ATTRIBUTE_INT, i });
const stringAttribute = (name: string, s: string): Attribute => ({ name, type: ATTRIBUTE_STRING, s: new TextEncoder().encode(s) });
const intsAttribute = (name: string, ints: number[]): Attribute => ({ name, type: ATTRIBUTE_INTS, ints });

/** The attributes of a Conv or pool over `w`'s windows (square, the same padding on every side). */
const windowAttributes = (w: ImageWindows): Attribute[] => [
  intsAttribute('kernel_shape', [w.kernel, w.kernel]),
  intsAttribute('strides', [w.stride, w.stride]),
  intsAttribute('pads', [w.padding, w.padding, w.padding, w.padding]),
];
const sameShape = (a: ImageShape, b: ImageShape) => a.height === b.height && a.width === b.width && a.channels === b.channels;

/** Image `name` of `shape` as batch × values, senn's layout (pixel by pixel, channels innermost), named `as`. */
function flattened(g: GraphBuilder, name: string, shape: ImageShape, as: string): string {
  const pixels = g.node('Transpose', [name], `${as}_pixels`, [intsAttribute('perm', [0, 2, 3, 1])]);
  return g.node('Reshape', [pixels, g.int64s([-1, shape.height * shape.width * shape.channels])], as);
}

/**
 * Each level's values in the graph: batch × size, as senn lays them out; and, for the levels a
 * Conv or pool wrote or reads, as an image (batch × channels × height × width, ONNX's layout
 * for them). Each form is made from the other where first needed, once.
 */
class LevelValues {
  private readonly flats = new Map<number, string>();
  private readonly images = new Map<number, { name: string; shape: ImageShape }>();
  private reshaped = 0;

  constructor(private readonly g: GraphBuilder, inputId: number, inputs: string) {
    this.flats.set(inputId, inputs);
  }

  has(id: number): boolean {
    return this.flats.has(id) || this.images.has(id);
  }

  setFlat(id: number, name: string): void {
    this.flats.set(id, name);
  }

  setImage(id: number, name: string, shape: ImageShape): void {
    this.images.set(id, { name, shape });
  }

  /** Level `id` as batch × its size. */
  flat(id: number): string {
    let name = this.flats.get(id);
    if (name === undefined) {
      const { name: image, shape } = this.images.get(id)!;
      name = flattened(this.g, image, shape, `level${id}_flat`);
      this.flats.set(id, name);
    }
    return name;
  }

  /** Level `id` as an image of `shape`. */
  image(id: number, shape: ImageShape): string {
    const known = this.images.get(id);
    if (known && sameShape(known.shape, shape)) return known.name;
    const n = this.reshaped++;
    const pixels = this.g.node('Reshape', [this.flat(id), this.g.int64s([-1, shape.height, shape.width, shape.channels])], `level${id}_pixels_${n}`);
    const name = this.g.node('Transpose', [pixels], `level${id}_image_${n}`, [intsAttribute('perm', [0, 3, 1, 2])]);
    this.images.set(id, { name, shape });
    return name;
  }
}

/** ONNX's operator for each activation. */
const ACTIVATION_OPS: Record<Activation, string> = { identity: 'Identity', relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

/** The model's metadata and whether it has `probabilities`: the options', and what senn writes from the network and its run. */
function describedModel(structure: Structure, options: OnnxOptions): { metadata: Record<string, string>; probabilities: boolean } {
  const outputs = structure.levels.at(-1)!.size;
  const data = options.run?.data as { task?: unknown; dataset?: unknown; csv?: unknown } | undefined;
  const probabilities = options.probabilities ?? data?.task === 'classification';
  if (probabilities && outputs < 2) throw new ConfigError(`ONNX export: probabilities asked of a network of ${outputs} output; a classifier has one per class (2 or more)`);
  const metadata: Record<string, string> = { 'senn.version': SENN_VERSION, architecture: structure.levels.map((l) => l.size).join('-') };
  if (options.run) metadata['senn.run'] = JSON.stringify(options.run);
  if (probabilities) metadata.classes = JSON.stringify(classNames(outputs, data ? datasetClassNames(data) : undefined));
  return { metadata: { ...metadata, ...options.metadata }, probabilities };
}

/**
 * `inputs` (raw) as the network sees them, by nodes of `g`: times the recipe's `featureScale`,
 * then less each feature's mean and over its standard deviation where `standardize` has them.
 */
function prepared(g: GraphBuilder, features: number, run: RunInfo | undefined): string {
  const data = (run?.data ?? {}) as { featureScale?: unknown; standardize?: { mean?: unknown; std?: unknown } };
  const scale = data.featureScale;
  const { mean, std } = data.standardize ?? {};
  const isStats = (v: unknown): v is number[] => Array.isArray(v) && v.length === features && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (typeof scale !== 'number' || !Number.isFinite(scale) || (data.standardize !== undefined && !(isStats(mean) && isStats(std)))) {
    throw new ConfigError(`ONNX export: rawInputs needs the run's data recipe (featureScale, and standardize with a mean and a std for each of the ${features} inputs), as senn train records it`);
  }
  let x = 'inputs';
  if (scale !== 1) x = g.node('Mul', [x, g.tensor('input_scale', [1], Float32Array.of(scale))], 'scaled_inputs');
  if (isStats(mean) && isStats(std)) {
    x = g.node('Sub', [x, g.tensor('input_mean', [features], Float32Array.from(mean))], 'centred_inputs');
    x = g.node('Div', [x, g.tensor('input_std', [features], Float32Array.from(std))], 'standardised_inputs');
  }
  return x;
}

/** An ONNX model (bytes, the opset it names, whether it has `probabilities`) of the network `structure` with parameters `params` (its flat buffer layout). */
function modelOf(structure: Structure, params: Float32Array, options: OnnxOptions): OnnxModel {
  objectArg('ONNX export: its options', options);
  // A switch given as a string ("false" from a form) would otherwise act as true.
  for (const key of ['probabilities', 'rawInputs', 'imageOperators'] as const) booleanArg(`ONNX export: ${key}`, options[key]);
  const denseFrom = options.denseFrom ?? DEFAULT_DENSE_FROM;
  if (!(typeof denseFrom === 'number' && denseFrom >= 0)) throw new ConfigError(`ONNX export: denseFrom must be a number ≥ 0, got ${String(denseFrom)}`);
  const { metadata, probabilities } = describedModel(structure, options);
  const g = new GraphBuilder();
  const input = structure.levels[0]!;
  const imageOperators = options.imageOperators ?? true;
  const values = new LevelValues(g, input.id, options.rawInputs ? prepared(g, input.size, options.run) : 'inputs');
  // The batch's size, for the shapes of the scatters' bases and indices (computed once, where needed).
  let batch: string | null = null;
  const batchBy = (n: number, name: string) => {
    batch ??= g.node('Slice', [g.node('Shape', ['inputs'], 'batch_shape'), g.int64s([0]), g.int64s([1])], 'batch');
    return g.node('Concat', [batch, g.int64s([n])], name, [intAttribute('axis', 0)]);
  };
  /** `updates` (batch × E) scattered into the columns `dst` (E) of `base` (batch × n) with `reduction`. */
  const scatter = (base: string, dst: Int32Array, updates: string, reduction: 'add' | 'max', prefix: string) => {
    g.opset = Math.max(g.opset, reduction === 'max' ? OPSET_SCATTER_MAX : OPSET_SCATTER_ADD);
    const indices = g.node('Expand', [g.tensor(`${prefix}_dst`, [dst.length], dst), batchBy(dst.length, `${prefix}_shape`)], `${prefix}_indices`);
    return g.node('ScatterElements', [base, indices, updates], `${prefix}_sum`, [intAttribute('axis', 1), stringAttribute('reduction', reduction)]);
  };
  /** The columns `src` (E) of `source` (batch × S). */
  const gather = (source: string, src: Int32Array, prefix: string) => g.node('Gather', [source, g.tensor(`${prefix}_src`, [src.length], src)], `${prefix}_gathered`, [intAttribute('axis', 1)]);

  for (const level of structure.levels.slice(1)) {
    const L = `level${level.id}`;
    const windows = level.pool;
    const pool = imageOperators && windows ? poolLayout(level, structure.level(windows.source).size) : null;
    if (pool && windows) {
      const op = pool.kind === 'max' ? 'MaxPool' : 'AveragePool';
      // AveragePool's count_include_pad 0: a window cut by the image's edge averages the pixels it covers, as senn's.
      const pooled = g.node(op, [values.image(windows.source, pool.input)], `${L}_pool`, [...windowAttributes(pool), ...(op === 'AveragePool' ? [intAttribute('count_include_pad', 0)] : [])]);
      values.setImage(level.id, g.node(ACTIVATION_OPS[level.activation], [pooled], L), pool.output);
      continue;
    }
    if (windows) {
      const { kind, source, topology: t } = windows;
      const gathered = gather(values.flat(source), Int32Array.from(t.srcOf), `${L}_pool`);
      const fill = g.tensor(`${L}_pool_fill`, [1], Float32Array.of(kind === 'max' ? -Infinity : 0));
      const base = g.node('Expand', [fill, batchBy(level.size, `${L}_shape`)], `${L}_base`);
      let pooled = scatter(base, Int32Array.from(t.dstOf), gathered, kind === 'max' ? 'max' : 'add', `${L}_pool`);
      if (kind === 'average') {
        const inverse = new Float32Array(level.size);
        for (let i = 0; i < level.size; i++) inverse[i] = 1 / (t.dstPtr[i + 1]! - t.dstPtr[i]!);
        pooled = g.node('Mul', [pooled, g.tensor(`${L}_pool_inverse`, [level.size], inverse)], `${L}_average`);
      }
      values.setFlat(level.id, g.node(ACTIVATION_OPS[level.activation], [pooled], L));
      continue;
    }
    const blocks = structure.blocksInto(level.id);
    const convolutions = new Map(blocks.map((b) => [b.id, imageOperators ? convolutionLayout(b, level, params) : null]));
    // The biases go with a convolution's filters where they are one per filter.
    const biasedBy = blocks.find((b) => convolutions.get(b.id)?.biases)?.id;
    let biasTensor: string | undefined;
    const bias = () => (biasTensor ??= g.tensor(`${L}_bias`, [level.size], params.slice(level.biasOffset, level.biasOffset + level.size)));
    // Matrix products (and convolutions) first, each added to the sum; then the sparse blocks scattered into it.
    let z: string | null = null;
    const add = (term: string, name: string) => (z = z === null && biasedBy !== undefined ? term : g.node('Add', [z ?? bias(), term], name));
    const sparse: { b: Block; weights: Float32Array }[] = [];
    for (const b of blocks) {
      const conv = convolutions.get(b.id);
      if (conv) {
        const kernel = g.tensor(`block${b.id}_kernel`, [conv.output.channels, conv.input.channels, conv.kernel, conv.kernel], conv.weights);
        const filterBias = b.id === biasedBy ? [g.tensor(`${L}_filter_bias`, [conv.output.channels], conv.biases!)] : [];
        const convolved = g.node('Conv', [values.image(b.src, conv.input), kernel, ...filterBias], `block${b.id}_conv`, windowAttributes(conv));
        if (blocks.length === 1 && b.id === biasedBy) {
          // The level is this convolution alone: it stays an image (a pool or convolution after it reads it as one).
          values.setImage(level.id, g.node(ACTIVATION_OPS[level.activation], [convolved], L), conv.output);
          break;
        }
        add(flattened(g, convolved, conv.output, `block${b.id}_flat`), `${L}_sum${b.id}`);
        continue;
      }
      const t = b.topology;
      const weights = blockWeights(b, params);
      if (weights.length < denseFrom * t.src * t.dst) {
        sparse.push({ b, weights });
        continue;
      }
      // Only the rows of the sources with edges (a split's block out of the inputs has a few
      // hundred of 784), those columns gathered first.
      const active = activeSources(t);
      const rowOf = new Int32Array(t.src).fill(-1);
      active.forEach((j, row) => (rowOf[j] = row));
      const matrix = new Float32Array(active.length * t.dst);
      weights.forEach((w, e) => (matrix[rowOf[t.srcOf[e]!]! * t.dst + t.dstOf[e]!] = w));
      const source = active.length < t.src ? gather(values.flat(b.src), Int32Array.from(active), `block${b.id}_active`) : values.flat(b.src);
      add(g.node('MatMul', [source, g.tensor(`block${b.id}_weight`, [active.length, t.dst], matrix)], `block${b.id}_product`), `${L}_sum${b.id}`);
    }
    if (values.has(level.id)) continue;
    z ??= g.node('Expand', [bias(), batchBy(level.size, `${L}_shape`)], `${L}_base`);
    for (const { b, weights } of sparse) {
      const t = b.topology;
      const P = `block${b.id}`;
      const weighted = g.node('Mul', [gather(values.flat(b.src), Int32Array.from(t.srcOf), P), g.tensor(`${P}_weight`, [weights.length], weights)], `${P}_weighted`);
      z = scatter(z, Int32Array.from(t.dstOf), weighted, 'add', P);
    }
    values.setFlat(level.id, g.node(ACTIVATION_OPS[level.activation], [z], L));
  }
  const output = structure.levels.at(-1)!;
  g.node('Identity', [values.flat(output.id)], 'outputs');
  if (probabilities) g.node('Softmax', ['outputs'], 'probabilities', [intAttribute('axis', -1)]);
  const valueInfo = (name: string, features: number) => ({
    name,
    type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: features }] } } },
  });
  const model = {
    irVersion: irVersionOf(g.opset),
    producerName: 'senn',
    producerVersion: SENN_VERSION,
    docString: options.description ?? '',
    opsetImport: [{ domain: '', version: g.opset }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value: String(value) })),
    graph: {
      name: `senn ${structure.levels.map((l) => l.size).join('-')}`,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('inputs', input.size)],
      output: [valueInfo('outputs', output.size), ...(probabilities ? [valueInfo('probabilities', output.size)] : [])],
    },
  };
  const Model = modelType();
  return { model: Model.encode(Model.fromObject(model)).finish(), opset: g.opset, probabilities };
}

let modelProto: protobuf.Type | null = null;

/** The ModelProto message type, parsed from the schema once. */
function modelType(): protobuf.Type {
  modelProto ??= protobuf.parse(ONNX_SCHEMA).root.lookupType('onnx.ModelProto');
  return modelProto;
}

/**
 * The network `net` as an ONNX model (the bytes of a `.onnx` file): input `inputs` (batch ×
 * the network's inputs, float, as the network sees them: pixels scaled as its dataset scales
 * them, CSV features standardised), output `outputs` (batch × its outputs, as
 * `Network.predict` gives them) and, with `probabilities`, their softmax. Reads the weights
 * back from the GPU; the network is unchanged.
 */
export async function networkToOnnx(net: Network, options: OnnxOptions = {}): Promise<Uint8Array> {
  return modelOf(net.structure, await net.getParameters(), options).model;
}

/**
 * A checkpoint (the bytes of a `.senn` file) as an ONNX model, as {@link networkToOnnx}
 * writes one (with the checkpoint's run as `run`), without a GPU. A `CheckpointError` where
 * the file is not a consistent senn checkpoint.
 */
export function checkpointToOnnx(bytes: Uint8Array, options: Omit<OnnxOptions, 'run'> = {}): Uint8Array {
  return checkpointOnnxModel(bytes, options).model;
}

/** {@link checkpointToOnnx}'s model, the opset it names (13 to 18, as its nodes need) and whether it has `probabilities`. */
export function checkpointOnnxModel(bytes: Uint8Array, options: Omit<OnnxOptions, 'run'> = {}): OnnxModel {
  const { structure, params } = checkpointState(bytes);
  const run = checkpointRun(bytes);
  return modelOf(structure, params, { ...options, ...(run ? { run } : {}) });
}
