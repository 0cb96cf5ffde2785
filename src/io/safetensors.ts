import { isRecord } from '../args.js';
import { CheckpointError } from '../errors.js';

/**
 * The safetensors container (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the raw little-endian data. Other tools (PyTorch, NumPy) read it directly.
 * Only what senn stores is supported: F32 and I32 tensors, string metadata.
 */

export type TensorDType = 'F32' | 'I32';

export interface Tensor {
  dtype: TensorDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Largest header accepted (the format's reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Serialise named tensors and string metadata. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) throw new CheckpointError(`tensor ${name}: shape [${t.shape}] does not hold ${t.data.length} values`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

/** A parsed file: tensors (copied out, so the input may be dropped) and metadata. */
export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function fail(message: string): never {
  throw new CheckpointError(`not a valid safetensors file: ${message}`);
}

/** A tensor's entry in the header: where its bytes lie, relative to the data section. */
interface TensorEntry {
  name: string;
  dtype: TensorDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parse and validate the header of a safetensors file (nothing is copied): every size and
 * offset is checked against the header and the file length; any inconsistency is a
 * {@link CheckpointError}.
 */
function readHeader(bytes: Uint8Array, maxTensorBytes: number): { metadata: Record<string, string>; entries: TensorEntry[]; dataStart: number } {
  if (!(bytes instanceof Uint8Array)) fail('the file must be given as a Uint8Array');
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) fail(`header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    fail(`header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!isRecord(entry)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata ${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (!isRecord(entry)) fail(`tensor ${name} is not described by an object`);
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32' && e.dtype !== 'I32') fail(`tensor ${name} has dtype ${String(e.dtype)}; senn reads F32 and I32`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${name} has a bad shape`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) fail(`tensor ${name} has bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength) fail(`tensor ${name} spans bytes ${begin}–${end} of ${dataLength}`);
    if (end - begin !== count * 4) fail(`tensor ${name}: shape [${e.shape}] needs ${count * 4} bytes, offsets give ${end - begin}`);
    if (end - begin > maxTensorBytes) throw new CheckpointError(`tensor ${name} has ${end - begin} bytes, more than allowed (${maxTensorBytes})`);
    entries.push({ name, dtype: e.dtype, shape: e.shape as number[], begin, end });
  }
  const ranges = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.begin < ranges[i - 1]!.end) fail(`tensors ${ranges[i - 1]!.name} and ${ranges[i]!.name} overlap`);
  }
  return { metadata, entries, dataStart };
}

/** The metadata of a safetensors file, from its validated header alone (no tensor is copied). */
export function safetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  return readHeader(bytes, Number.MAX_SAFE_INTEGER).metadata;
}

/**
 * Parse and validate a safetensors file: every size and offset is checked against the
 * header and the file length before anything is copied; any inconsistency is a
 * {@link CheckpointError}.
 */
export function decodeSafetensors(bytes: Uint8Array, maxTensorBytes = Number.MAX_SAFE_INTEGER): Safetensors {
  const { metadata, entries, dataStart } = readHeader(bytes, maxTensorBytes);
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    // Uint8Array's slice copies; a Node Buffer's `slice` is a view of the whole file's memory,
    // so call the typed-array method whatever subclass `bytes` is.
    const copy = Uint8Array.prototype.slice.call(bytes, dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: e.dtype === 'F32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer) });
  }
  return { tensors, metadata };
}
