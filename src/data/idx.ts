import { DTypeError, ShapeError } from '../errors.js';

/** An IDX array (the MNIST file format): its dimensions and its bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parse an uncompressed IDX file holding unsigned bytes (type 0x08), the format of MNIST
 * and Fashion-MNIST. Sizes are checked against the header before anything is copied.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DTypeError(`${name} is gzip-compressed; decompress it first (the Node loaders do this)`);
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DTypeError(`${name} is not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08) throw new DTypeError(`${name} holds element type 0x${bytes[2]!.toString(16)}; only unsigned bytes (0x08) are supported`);
  const rank = bytes[3]!;
  if (rank < 1 || bytes.length < 4 + 4 * rank) throw new ShapeError(`${name}: truncated header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const start = 4 + 4 * rank;
  if (bytes.length - start !== count) {
    throw new ShapeError(`${name}: header says ${dims.join('×')} = ${count} values but the file holds ${bytes.length - start}`);
  }
  return { dims, data: bytes.subarray(start) };
}
