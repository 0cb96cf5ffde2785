import { DestroyedError } from '../errors.js';

/**
 * A GPU buffer with an owner and a byte count. Every buffer senn allocates goes
 * through {@link BufferOwner.create}, so the runtime can always say how many bytes are
 * live and which owner holds them.
 */
export interface OwnedBuffer {
  readonly buffer: GPUBuffer;
  readonly size: number;
  readonly label: string;
  readonly owner: BufferOwner;
  destroy(): void;
}

/**
 * Something that holds GPU buffers (a network, a training plan, an uploaded
 * dataset). Destroying the owner destroys everything it holds.
 */
export class BufferOwner {
  private readonly buffers = new Set<OwnedBuffer>();
  private destroyed = false;

  constructor(
    private readonly memory: GpuMemory,
    /** Human-readable name shown in memory reports. */
    readonly name: string,
  ) {}

  /** Allocate a buffer owned by this owner. `size` is rounded up to 4 bytes. */
  create(label: string, size: number, usage: GPUBufferUsageFlags): OwnedBuffer {
    if (this.destroyed) throw new DestroyedError(`${this.name} was destroyed; cannot allocate "${label}"`);
    const owned = this.memory.allocate(this, label, size, usage);
    this.buffers.add(owned);
    return owned;
  }

  /** Called by {@link OwnedBuffer.destroy}; not for users. */
  release(buffer: OwnedBuffer): void {
    this.buffers.delete(buffer);
  }

  /** Bytes held by this owner now. */
  get bytes(): number {
    let total = 0;
    for (const b of this.buffers) total += b.size;
    return total;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Destroy every buffer of this owner. Safe to call twice. */
  destroy(): void {
    for (const b of [...this.buffers]) b.destroy();
    this.destroyed = true;
  }
}

/** Accounting of every live GPU buffer of one device. */
export class GpuMemory {
  private live = 0;
  private peak = 0;
  private readonly owners = new Map<BufferOwner, number>();

  constructor(private readonly device: GPUDevice) {}

  /** A new owner whose buffers are counted here. */
  owner(name: string): BufferOwner {
    return new BufferOwner(this, name);
  }

  /** Live bytes over all owners. */
  get liveBytes(): number {
    return this.live;
  }

  /** Highest live byte count seen since creation. */
  get peakBytes(): number {
    return this.peak;
  }

  /** Live bytes per owner name (owners with the same name are summed). */
  report(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [owner, bytes] of this.owners) out[owner.name] = (out[owner.name] ?? 0) + bytes;
    return out;
  }

  /** Used by {@link BufferOwner.create}. */
  allocate(owner: BufferOwner, label: string, size: number, usage: GPUBufferUsageFlags): OwnedBuffer {
    const bytes = Math.max(4, Math.ceil(size / 4) * 4);
    const buffer = this.device.createBuffer({ label: `${owner.name}/${label}`, size: bytes, usage });
    let alive = true;
    const owned: OwnedBuffer = {
      buffer,
      size: bytes,
      label,
      owner,
      destroy: () => {
        if (!alive) return;
        alive = false;
        buffer.destroy();
        this.live -= bytes;
        const left = (this.owners.get(owner) ?? bytes) - bytes;
        if (left === 0) this.owners.delete(owner);
        else this.owners.set(owner, left);
        owner.release(owned);
      },
    };
    this.live += bytes;
    this.peak = Math.max(this.peak, this.live);
    this.owners.set(owner, (this.owners.get(owner) ?? 0) + bytes);
    return owned;
  }
}
