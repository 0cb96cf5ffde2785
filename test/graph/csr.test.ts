import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { buildCsr, csrProblems } from '../../src/graph/csr.js';
import { Random } from '../../src/data/random.js';
import { randomEdges } from '../helpers/edges.js';

describe('CSR blocks', () => {
  it('both orders describe the same edges, for random blocks', () => {
    const rng = new Random(1);
    for (let trial = 0; trial < 20; trial++) {
      const dst = 1 + rng.int(20);
      const src = 1 + rng.int(30);
      const { d, s } = randomEdges(rng, dst, src, rng.int(dst * src + 1));
      const { block, idOf } = buildCsr(dst, src, d, s);
      expect(csrProblems(block)).toEqual([]);
      d.forEach((di, i) => {
        expect(block.dstOf[idOf[i]!]).toBe(di);
        expect(block.srcOf[idOf[i]!]).toBe(s[i]);
      });
    }
  });

  it('edges listed already in CSR order (no sort) give the same block as shuffled ones', () => {
    const rng = new Random(2);
    const dst = 7;
    const src = 11;
    const { d, s } = randomEdges(rng, dst, src, 40);
    const shuffled = buildCsr(dst, src, d, s);
    const sorted = buildCsr(dst, src, shuffled.block.dstOf, shuffled.block.srcOf);
    expect(sorted.block).toEqual(shuffled.block);
    expect(Array.from(sorted.idOf)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // A duplicate in sorted input is not strictly ascending: it takes the sorting path and is caught.
    expect(() => buildCsr(2, 2, [0, 1, 1], [0, 1, 1])).toThrow(ShapeError);
  });

  it('rejects duplicate and out-of-range edges', () => {
    expect(() => buildCsr(2, 2, [0, 0], [1, 1])).toThrow(ShapeError);
    expect(() => buildCsr(2, 2, [2], [0])).toThrow(ShapeError);
    expect(() => buildCsr(2, 2, [0], [-1])).toThrow(ShapeError);
  });

  it('detects an inconsistent by-source order', () => {
    const { block } = buildCsr(3, 3, [0, 1, 2], [2, 0, 1]);
    const broken = { ...block, srcEdges: Uint32Array.from([0, 0, 1]) };
    expect(csrProblems(broken).length).toBeGreaterThan(0);
  });
});
