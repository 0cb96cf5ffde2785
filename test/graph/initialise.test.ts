import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { convolutionConnections, randomConnections } from '../../src/graph/connections.js';
import { initialParameters, WEIGHT_INITS, type WeightInit } from '../../src/graph/initialise.js';
import { checkConnections, checkSpec } from '../../src/graph/spec.js';
import { storageIndex, Structure } from '../../src/graph/structure.js';

// Each init's bounds, and its draws' spread: U(±b) has variance b²/3 (over 200,704 weights of a
// 784 × 256 block, the sample variance is within 1% of it; tolerance 3%).
const BOUNDS: Record<WeightInit, (fanIn: number, fanOut: number) => number> = {
  linear: (fanIn) => 1 / Math.sqrt(fanIn),
  'he-uniform': (fanIn) => Math.sqrt(6 / fanIn),
  'glorot-uniform': (fanIn, fanOut) => Math.sqrt(6 / (fanIn + fanOut)),
};

describe('initialParameters', () => {
  it('draws each complete block within its bound with the uniform spread; linear (the default: the same bits as without the option) draws biases too, he and glorot start them at 0', () => {
    const s = Structure.chain([784, 256, 10], ['relu', 'identity']);
    for (const init of WEIGHT_INITS) {
      const values = initialParameters(s, new Random(0), init);
      for (const b of s.blocks) {
        const bound = BOUNDS[init](b.topology.src, b.topology.dst);
        const weights = values.subarray(b.weightOffset, b.weightOffset + b.topology.src * b.topology.dst);
        const variance = weights.reduce((sum, w) => sum + w * w, 0) / weights.length;
        console.info(`${init} ${b.topology.src}→${b.topology.dst}: bound ${bound.toPrecision(4)}, variance ${(variance / (bound * bound / 3)).toFixed(4)} of b²/3`);
        expect(weights.reduce((most, w) => Math.max(most, Math.abs(w)), 0)).toBeLessThanOrEqual(bound);
        expect(Math.abs(variance / ((bound * bound) / 3) - 1)).toBeLessThanOrEqual(b.topology.dst === 10 ? 0.1 : 0.03);
        const biases = values.subarray(s.level(b.dst).biasOffset, s.level(b.dst).biasOffset + b.topology.dst);
        if (init === 'linear') expect(biases.every((v) => v !== 0 && Math.abs(v) <= bound)).toBe(true);
        else expect(biases.every((v) => v === 0)).toBe(true);
      }
    }
    expect(initialParameters(s, new Random(5), 'linear')).toEqual(initialParameters(s, new Random(5)));
  });

  it("bounds a sparse block's edges by their destination's in-degree and their source's out-degree, and gives a convolution's shared weights one draw", () => {
    const sizes = [40, 30, 3];
    const sparse = randomConnections(40, 30, 0.15, 2);
    const s = Structure.chain(sizes, ['relu', 'identity'], undefined, checkConnections({ sizes, connections: [sparse] }));
    const b = s.blocks[0]!;
    const t = b.topology;
    const outDegree = new Uint32Array(t.src);
    for (const src of t.srcOf) outDegree[src]!++;
    for (const init of WEIGHT_INITS) {
      const values = initialParameters(s, new Random(1), init);
      for (let e = 0; e < t.srcOf.length; e++) {
        const inDegree = t.dstPtr[t.dstOf[e]! + 1]! - t.dstPtr[t.dstOf[e]!]!;
        expect(Math.abs(values[b.weightOffset + storageIndex(b, e)]!)).toBeLessThanOrEqual(BOUNDS[init](inDegree, outDegree[t.srcOf[e]!]!));
      }
    }
    const conv = convolutionConnections({ width: 6, height: 6, kernel: 3, padding: 1, filters: 2 });
    const convSizes = [36, conv.size, 3];
    const c = Structure.chain(convSizes, ['relu', 'identity'], undefined, checkConnections({ sizes: convSizes, connections: [conv] }));
    for (const init of WEIGHT_INITS) {
      const values = initialParameters(c, new Random(2), init);
      const groups = c.tieGroups!;
      for (let g = 0; g < groups.count; g++) {
        const members = Array.from(groups.members.subarray(groups.start[g]!, groups.start[g + 1]!), (m) => values[m]);
        expect(new Set(members).size, `${init}, group ${g}`).toBe(1);
      }
    }
  });

  it('an unknown init is a ConfigError naming the choices', () => {
    expect(() => checkSpec({ sizes: [2, 2], init: 'kaiming' as never })).toThrow(new ConfigError('unknown init "kaiming"; expected one of linear, he-uniform, glorot-uniform'));
  });
});
