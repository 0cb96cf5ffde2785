import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner } from '../gpu/memory.js';
import { uploadStorage } from '../gpu/upload.js';
import { type PoolBuffers, poolBuffers } from '../kernels/pool.js';
import { type CsrBuffers, csrBuffers } from '../kernels/sparse.js';
import type { ActiveRows } from '../train/passes.js';
import { activeSources } from './csr.js';
import { ACTIVE_ROWS_BELOW, type Block, blockFloats, isMasked, type Level, type Structure, storageIndex, type TieGroups, normWeights } from './structure.js';

/**
 * A structure's {@link TieGroups} uploaded: `count` groups, their offsets and slots, and each
 * value's weight in the global gradient norm ({@link normWeights}: a shared value counts once).
 */
export interface TieBuffers {
  count: number;
  start: GPUBuffer;
  members: GPUBuffer;
  counted: GPUBuffer;
}

/**
 * The GPU index buffers of one structure's blocks, each uploaded on first use: the CSR orders
 * of sparse blocks, and the masks and active-row lists of dense blocks lacking edges. They
 * share one owner, so a change of structure drops them all at once ({@link reset}).
 */
export class BlockBuffers {
  private owner: BufferOwner;
  private readonly csrs = new Map<Block, CsrBuffers>();
  private readonly masks = new Map<Block, GPUBuffer>();
  private readonly activeRowLists = new Map<Block, ActiveRows | null>();
  private readonly poolCsrs = new Map<Level, PoolBuffers>();
  private tieBuffers: TieBuffers | null | undefined;

  constructor(private readonly gpu: GpuContext) {
    this.owner = gpu.memory.owner('network');
  }

  /** Bytes of the buffers uploaded so far. */
  get bytes(): number {
    return this.owner.bytes;
  }

  /** GPU index buffers of a sparse block. */
  csr(block: Block): CsrBuffers {
    let buffers = this.csrs.get(block);
    if (!buffers) {
      const device = this.gpu.device;
      buffers = csrBuffers(block.topology, (name, values) => uploadStorage(device, this.owner, `block${block.id}.${name}`, values).buffer);
      this.csrs.set(block, buffers);
    }
    return buffers;
  }

  /** GPU index buffers of a pooling level's windows (see {@link Level.pool}). */
  poolWindows(level: Level): PoolBuffers {
    let buffers = this.poolCsrs.get(level);
    if (!buffers) {
      if (!level.pool) throw new Error(`level ${level.id} does not pool`);
      const device = this.gpu.device;
      buffers = poolBuffers(level.pool.topology, (name, values) => uploadStorage(device, this.owner, `pool${level.id}.${name}`, values).buffer);
      this.poolCsrs.set(level, buffers);
    }
    return buffers;
  }

  /** The 0/1 mask (dense storage order) of a dense block lacking edges. */
  mask(block: Block): GPUBuffer {
    let mask = this.masks.get(block);
    if (!mask) {
      const values = new Float32Array(blockFloats(block));
      for (let e = 0; e < block.topology.srcOf.length; e++) values[storageIndex(block, e)] = 1;
      mask = uploadStorage(this.gpu.device, this.owner, `block${block.id}.mask`, values).buffer;
      this.masks.set(block, mask);
    }
    return mask;
  }

  /**
   * The sources with edges of a masked dense block; null for other blocks and where more than
   * {@link ACTIVE_ROWS_BELOW} of the sources have edges.
   */
  activeRows(block: Block): ActiveRows | null {
    let rows = this.activeRowLists.get(block);
    if (rows === undefined) {
      const active = block.rows ?? (isMasked(block) ? activeSources(block.topology) : null);
      rows =
        active && active.length > 0 && active.length <= ACTIVE_ROWS_BELOW * block.topology.src
          ? { indices: uploadStorage(this.gpu.device, this.owner, `block${block.id}.activeRows`, active).buffer, count: active.length, compact: block.rows !== null }
          : null;
      this.activeRowLists.set(block, rows);
    }
    return rows;
  }

  /** The shared values' groups of `structure` (see {@link TieGroups}) on the GPU, or null when none are shared. */
  ties(structure: Structure): TieBuffers | null {
    if (this.tieBuffers === undefined) {
      const groups = structure.tieGroups;
      const upload = (name: string, values: Uint32Array | Float32Array) => uploadStorage(this.gpu.device, this.owner, `ties.${name}`, values).buffer;
      this.tieBuffers = groups
        ? { count: groups.count, start: upload('start', groups.start), members: upload('members', groups.members), counted: upload('counted', normWeights(groups, structure.floats)) }
        : null;
    }
    return this.tieBuffers;
  }

  /** Destroy every buffer: the structure changed (the next calls upload the new blocks'). */
  reset(): void {
    this.destroy();
    this.owner = this.gpu.memory.owner('network');
    this.csrs.clear();
    this.masks.clear();
    this.activeRowLists.clear();
    this.poolCsrs.clear();
    this.tieBuffers = undefined;
  }

  /** Destroy every buffer. Safe to call twice. */
  destroy(): void {
    this.owner.destroy();
  }
}
