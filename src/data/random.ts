import { describe } from '../args.js';
import { ConfigError } from '../errors.js';

/**
 * `seed` where it is a whole number in [0, 2⁵³); otherwise a {@link ConfigError} naming
 * `name`. Every seed of the public API goes through here: NaN, a string or 1.5 would quietly
 * act as some other seed, and a run would not be the one its arguments name.
 */
export function checkSeed(name: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ConfigError(`${name} must be a non-negative integer, got ${describe(seed)}`);
  }
  return seed;
}

/** The output of state `z` of the Weyl sequence (SplitMix32's finaliser), in [0, 2³²). */
function mix(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Seeded pseudo-random numbers (SplitMix32-style mixing of a Weyl sequence). Small, fast,
 * and identical in every JavaScript engine, which is what makes runs repeatable.
 */
export class Random {
  private state: number;

  /** `seed`: a non-negative integer; anything else is a ConfigError (it would quietly act as another seed). */
  constructor(seed: number) {
    this.state = (checkSeed('seed', seed) ^ 0x9e3779b9) >>> 0;
  }

  /**
   * The generator's whole state, one 32-bit word: {@link Random.fromState} makes a generator
   * that goes on from here (a checkpoint keeps a network's ε generator so).
   */
  get stateWord(): number {
    return this.state;
  }

  /** A generator that continues from a {@link stateWord}. */
  static fromState(word: number): Random {
    const random = new Random(0);
    random.state = word >>> 0;
    return random;
  }

  /** Uniform integer in [0, 2³²). */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix(this.state);
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * Fill `out[from..to)` with uniform floats in [lo, hi): the numbers {@link uniform} would
   * give, in one tight loop (a split draws ~10⁵ ε weights in code that runs too rarely to be
   * optimised call by call).
   */
  fillUniform(out: Float32Array, lo: number, hi: number, from = 0, to = out.length): void {
    const scale = (hi - lo) / 4294967296;
    let state = this.state;
    for (let i = from; i < to; i++) {
      state = (state + 0x9e3779b9) >>> 0;
      out[i] = lo + mix(state) * scale;
    }
    this.state = state;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniformly random permutation of 0 … n−1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    return order;
  }
}

/** A generator for a derived stream (e.g. one per epoch) of a base seed. */
export function derivedRandom(seed: number, stream: number): Random {
  const mixer = new Random(seed);
  for (let i = 0; i <= stream % 7; i++) mixer.nextUint32();
  return new Random((mixer.nextUint32() ^ Math.imul(stream + 1, 0x27d4eb2f)) >>> 0);
}
