import { describe, expect, it } from 'vitest';
import { buildCsr } from '../../src/graph/csr.js';
import { checkDenseFrom } from '../../src/graph/spec.js';
import { ACTIVE_DENSITY_FROM_EDGES, blockFloats, DENSE_FROM, DENSE_FROM_EDGES, DENSE_FROM_GPU, type LevelSpec, Structure, storageIndex } from '../../src/graph/structure.js';

// A split's new level: `active` of the inputs, each connected to every new neuron.
function splitLevel(fromRole: 'input' | 'hidden', active: number, width: number) {
  const d: number[] = [];
  const s: number[] = [];
  for (let j = 0; j < active; j++) for (let i = 0; i < width; i++) d.push(i), s.push(j * 5);
  const levels: LevelSpec[] = [
    { id: 0, size: 784, activation: 'identity', role: 'input' },
    { id: 1, size: 784, activation: 'relu', role: 'hidden' },
    { id: 2, size: width, activation: 'relu', role: 'hidden' },
    { id: 3, size: 10, activation: 'identity', role: 'output' },
  ];
  const full = (dst: number, src: number) => {
    const dd: number[] = [];
    const ss: number[] = [];
    for (let i = 0; i < dst; i++) for (let j = 0; j < src; j++) dd.push(i), ss.push(j);
    return buildCsr(dst, src, dd, ss).block;
  };
  const from = fromRole === 'input' ? 0 : 1;
  return new Structure(levels, [
    { src: 0, dst: 1, topology: full(784, 784) },
    { src: from, dst: 2, topology: buildCsr(width, 784, d, s).block },
    { src: 2, dst: 3, topology: full(10, width) },
  ]);
}

describe('storage form of a block', () => {
  it('a large block out of the input level is judged by its density over the sources with edges', () => {
    // 154 of 784 inputs × 344 neurons: 19.6% of the block, 100% of its active rows.
    const s = splitLevel('input', 154, 344);
    expect(154 * 344).toBeGreaterThanOrEqual(ACTIVE_DENSITY_FROM_EDGES);
    expect(s.blocks.find((b) => b.src === 0 && b.dst === 2)!.form).toBe('dense');
  });

  it('that block stores only the weight rows of its 154 sources with edges; complete and hidden-level blocks store every row', () => {
    const s = splitLevel('input', 154, 344);
    const b = s.blocks.find((x) => x.src === 0 && x.dst === 2)!;
    expect(Array.from(b.rows!)).toEqual(Array.from({ length: 154 }, (_, j) => j * 5));
    expect(blockFloats(b)).toBe(154 * 344);
    // Edge e (source j, destination i) is stored at row rowOf[j] of the compact matrix.
    for (const e of [0, 1, 343, 344, 154 * 344 - 1]) {
      expect(storageIndex(b, e)).toBe((b.topology.srcOf[e]! / 5) * 344 + b.topology.dstOf[e]!);
    }
    expect(b.rowOf![5]).toBe(1);
    expect(b.rowOf![6]).toBe(-1);
    const complete = s.blocks.find((x) => x.src === 0 && x.dst === 1)!;
    expect([complete.rows, blockFloats(complete)]).toEqual([null, 784 * 784]);
    // Out of a hidden level (stored dense only when denseFrom says so): every row, as the input gradient reads them all.
    const hidden = splitLevel('hidden', 154, 344);
    const dense = new Structure(hidden.levels, hidden.blocks.map((x) => ({ src: x.src, dst: x.dst, topology: x.topology, form: 'dense' as const })));
    expect(dense.blocks.find((x) => x.src === 1 && x.dst === 2)!.rows).toBeNull();
  });

  it('the same block out of a hidden level (whose input gradient walks every source) stays CSR, as does a small block out of the inputs', () => {
    expect(splitLevel('hidden', 154, 344).blocks.find((b) => b.src === 1 && b.dst === 2)!.form).toBe('sparse');
    // 20 × 16 = 320 edges: below the size at which a dense product is worth its pipeline.
    expect(splitLevel('input', 20, 16).blocks.find((b) => b.src === 0 && b.dst === 2)!.form).toBe('sparse');
  });

  it('a small complete block made by growth is CSR, a plain network\'s blocks are dense whatever their size, and denseFrom 0 makes every block dense', () => {
    const grown = splitLevel('input', 154, 16);
    const small = grown.blocks.find((b) => b.src === 2 && b.dst === 3)!; // 16 → 10, complete
    expect(small.topology.srcOf.length).toBeLessThan(DENSE_FROM_EDGES);
    expect(small.form).toBe('sparse');
    expect(Structure.chain([4, 3, 2], ['relu', 'identity']).blocks.every((b) => b.form === 'dense')).toBe(true);
    const everyDense = new Structure(grown.levels, grown.blocks.map((b) => ({ src: b.src, dst: b.dst, topology: b.topology })), 0);
    expect(everyDense.blocks.every((b) => b.form === 'dense')).toBe(true);
  });

  it('denseFrom defaults by adapter: 0.2 on a software one, 0.05 on a GPU, where an 8%-dense block out of a hidden level is stored dense', () => {
    expect([checkDenseFrom(undefined, true), checkDenseFrom(undefined, false)]).toEqual([DENSE_FROM, DENSE_FROM_GPU]);
    expect(checkDenseFrom(0.3, false)).toBe(0.3);
    expect(() => checkDenseFrom(1.5, true)).toThrow(/denseFrom must be in \[0, 1\]/);
    // 28 of 784 sources × 344 neurons out of a hidden level: 3.6% of the block.
    const sparse = splitLevel('hidden', 28, 344);
    const gpu = (s: Structure) => new Structure(s.levels, s.blocks.map((b) => ({ src: b.src, dst: b.dst, topology: b.topology })), DENSE_FROM_GPU);
    expect(gpu(sparse).blocks.find((b) => b.src === 1 && b.dst === 2)!.form).toBe('sparse');
    // 63 of them: 8.0%, CSR on a software adapter, dense on a GPU.
    const eight = splitLevel('hidden', 63, 344);
    expect(eight.blocks.find((b) => b.src === 1 && b.dst === 2)!.form).toBe('sparse');
    expect(gpu(eight).blocks.find((b) => b.src === 1 && b.dst === 2)!.form).toBe('dense');
  });
});
