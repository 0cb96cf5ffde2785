import { didYouMean } from '../args.js';
import { squareSide } from '../data/augment.js';
import { ConfigError } from '../errors.js';
import { averagePoolConnections, convolutionConnections, type LocalConnections, localConnections, maxPoolConnections } from '../graph/connections.js';
import { type Activation, ACTIVATIONS } from '../kernels/activation.js';
import type { DataRecipe } from './datasets.js';

/** Parse `784-96-10` into layer sizes. */
export function parseArch(text: string): number[] {
  const sizes = text.split('-').map((s) => Number(s));
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ConfigError(`--arch must be layer sizes joined by "-", like 784-96-10; got "${text}"`);
  }
  return sizes;
}

/** The layer sizes without --arch: one hidden layer of 96 for the image sets, two of 32 for 2-feature sets, else one of 32. */
export function defaultArch(recipe: DataRecipe, features: number, outputs: number): number[] {
  if (recipe.dataset === 'mnist' || recipe.dataset === 'fashion-mnist') return [features, 96, outputs];
  if (features === 2) return [2, 32, 32, outputs];
  return [features, 32, outputs];
}

/**
 * Parse `--activation tanh` (every hidden layer) or `--activation tanh,relu` (one per hidden
 * layer, in order) for a network of `layers` sizes: one name as it is (the network then leaves
 * its pooling layers identity, see `NetworkSpec.activations`), a list with the output layer's
 * identity after it (the loss applies softmax). Levels grown later are ReLU.
 */
export function parseActivations(text: string, layers: number): Activation | Activation[] {
  const hidden = layers - 2;
  if (hidden === 0) throw new ConfigError(`--activation sets the hidden layers' activation; a network of ${layers} layers has none (give --arch with a hidden layer)`);
  const names = text.split(',').map((s) => s.trim());
  const unknown = names.find((n) => !(ACTIVATIONS as readonly string[]).includes(n));
  if (unknown !== undefined) throw new ConfigError(`--activation must be one of ${ACTIVATIONS.join(', ')}, or one per hidden layer joined by ","; got "${unknown}" in "${text}"${didYouMean(unknown, ACTIVATIONS)}`);
  if (names.length !== 1 && names.length !== hidden) throw new ConfigError(`--activation lists ${names.length} activations; the network has ${hidden} hidden layers (give one for all, or one each)`);
  return names.length === 1 ? (names[0] as Activation) : [...(names as Activation[]), 'identity'];
}

/**
 * Parse `--expandable 1,2` (indices into the layer sizes, 1 = the first hidden layer) for a
 * network of `layers` sizes; whether each may grow is checked when the network is built.
 */
export function parseExpandable(text: string, layers: number): number[] {
  const levels = text.split(',').map((s) => Number(s.trim()));
  if (levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 1 || l >= layers)) {
    const range = layers === 2 ? 'be 1 (the output layer: the network has no hidden layer)' : `list layer indices from 1 to ${layers - 1} joined by ",", like 1,${layers - 1}`;
    throw new ConfigError(`--expandable must ${range}; got "${text}"`);
  }
  return levels;
}

/** One `--local`, `--conv`, `--pool` or `--avg-pool` option as given, in command-line order. */
export interface WindowLayerArg {
  /** `conv`: the windows share their weights (a convolution); `local`: each has its own; `pool` / `avg-pool`: max / average pooling, no weights. */
  flag: 'local' | 'conv' | 'pool' | 'avg-pool';
  text: string;
}

/**
 * `--local K,S,F[,P]` or `--conv K,S,F[,P]` (and `--image WxH[xC]`): a first layer of F
 * neurons per window position, K×K windows S pixels apart, P pixels of padding (default 0),
 * over inputs that are an image; without `--image` a square one-channel image of `features`
 * pixels (MNIST's 28×28). `--conv`'s windows share their weights.
 */
export function parseWindowLayer(arg: WindowLayerArg, features: number, image?: string): LocalConnections {
  if (arg.flag === 'pool' || arg.flag === 'avg-pool') return parsePoolLayer(arg, imageShape(arg.flag, features, image));
  const [kernel, stride, filters, padding = 0, ...rest] = arg.text.split(',').map((s) => Number(s.trim()));
  if (rest.length > 0 || [kernel, stride, filters].some((v) => !Number.isInteger(v) || v! < 1) || !Number.isInteger(padding) || padding < 0) {
    throw new ConfigError(`--${arg.flag} must be KERNEL,STRIDE,FILTERS[,PADDING] (positive integers; padding from 0), like 6,2,4; got "${arg.text}"`);
  }
  const { width, height, channels } = imageShape(arg.flag, features, image);
  const spec = { width, height, channels, kernel: kernel!, stride: stride!, filters: filters!, padding };
  return namedByFlag(arg, () => (arg.flag === 'conv' ? convolutionConnections(spec) : localConnections(spec)));
}

/** `make()`, its ConfigError (in the API's words: "convolutionConnections: padding …") told in the flag's. */
function namedByFlag<T>(arg: WindowLayerArg, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`--${arg.flag} ${arg.text}: ${error.message.replace(/^\w+Connections: /, '')}`);
  }
}

/** `--pool K[,S[,P]]` (or `--avg-pool`) over an image: K×K windows S apart (default K), P pixels of padding (default 0). */
function parsePoolLayer(arg: WindowLayerArg, image: { width: number; height: number; channels: number }): LocalConnections {
  const [kernel, stride = kernel, padding = 0, ...rest] = arg.text.split(',').map((s) => Number(s.trim()));
  if (rest.length > 0 || [kernel, stride].some((v) => !Number.isInteger(v) || v! < 1) || !Number.isInteger(padding) || padding < 0) {
    throw new ConfigError(`--${arg.flag} must be KERNEL[,STRIDE[,PADDING]] (positive integers; stride by default the kernel, padding from 0), like 2; got "${arg.text}"`);
  }
  const spec = { ...image, kernel: kernel!, stride: stride!, padding };
  return namedByFlag(arg, () => (arg.flag === 'pool' ? maxPoolConnections(spec) : averagePoolConnections(spec)));
}

/** The image a flag (a window layer, --augment-shift) reads: `--image`, or a square one-channel image of `features` pixels. */
export function imageShape(flag: string, features: number, image?: string): { width: number; height: number; channels: number } {
  let shape: number[];
  if (image !== undefined) {
    shape = image.split('x').map(Number);
    if (shape.length < 2 || shape.length > 3 || shape.some((v) => !Number.isInteger(v) || v < 1)) throw new ConfigError(`--image must be WIDTHxHEIGHT or WIDTHxHEIGHTxCHANNELS, like 28x28; got "${image}"`);
  } else {
    const side = squareSide(features);
    if (side === null) throw new ConfigError(`--${flag}: ${features} inputs are not a square image; give its shape with --image WIDTHxHEIGHT[xCHANNELS]`);
    shape = [side, side];
  }
  const [width, height, channels = 1] = shape as [number, number, number?];
  if (width * height * channels !== features) throw new ConfigError(`--image ${image}: ${width * height * channels} values, the data has ${features} inputs`);
  return { width, height, channels };
}

/**
 * `--local`, `--conv`, `--pool` and `--avg-pool` given once or more: window layers one after another in
 * command-line order, the first over the inputs (see {@link parseWindowLayer}), each next one
 * over the previous one's output, an image of its window positions with its filters as
 * channels. A pooling layer pools a layer before it, not the inputs.
 */
export function parseWindowLayers(args: readonly WindowLayerArg[], features: number, image?: string): LocalConnections[] {
  const layers: LocalConnections[] = [];
  if (args[0]?.flag === 'pool' || args[0]?.flag === 'avg-pool') throw new ConfigError(`--${args[0].flag} ${args[0].text} comes first: it pools a --conv or --local layer given before it, not the inputs`);
  for (const arg of args) {
    const last = layers.at(-1);
    layers.push(last ? parseWindowLayer(arg, last.size, `${last.outWidth}x${last.outHeight}x${last.size / (last.outWidth * last.outHeight)}`) : parseWindowLayer(arg, features, image));
  }
  return layers;
}
