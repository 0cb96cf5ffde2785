import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import type { Random } from '../../src/data/random.js';
import { AdapterLimitError, CheckpointError } from '../../src/errors.js';
import type { Runtime } from '../../src/runtime.js';
import { describeCheckpoint } from '../../src/io/checkpoint.js';
import { convolutionEdges, type CheckpointConvolution, type CheckpointPoolImage, poolImageEdges } from '../../src/io/checkpointShares.js';
import type { PoolKind } from '../../src/kernels/pool.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/io/safetensors.js';

interface FileGraph {
  version: number;
  levels: { id: number; size: number; role: string; pool?: { kind: PoolKind; source: number; edges: number; image?: CheckpointPoolImage }; sharedBiases?: number; sharedBiasPeriod?: number }[];
  blocks: { src: number; dst: number; form: string; edges: number; sharedWeights?: number; convolution?: CheckpointConvolution }[];
}

const PER_PARAMETER = ['optimizer.moment1', 'optimizer.moment2', 'optimizer.births', 'statistics.sumAbs', 'statistics.sum', 'statistics.sumSq'];

/** One value per id (ids ascending, as version 6 writes them) made one per slot of `ids`. */
function perSlot(values: Float32Array, ids: ArrayLike<number>): Float32Array {
  const rank = new Map([...new Set(Array.from(ids))].sort((a, b) => a - b).map((id, r) => [id, r]));
  return Float32Array.from(ids, (id) => values[rank.get(id)!]!);
}

const i32 = (data: ArrayLike<number>): Tensor => ({ dtype: 'I32', shape: [data.length], data: Int32Array.from(data) });

/**
 * A version 7 checkpoint as version 6 writes the same network (a file of an earlier version as
 * it is): each repeating list of bias ids whole, each pooling level's windows listed
 * (`poolSrc`, `poolDst`) instead of its image, and the prune candidates listed in the graph
 * instead of a tensor. The reader's version 6 path is tested on it.
 */
export function version6File(bytes: Uint8Array): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const graph = JSON.parse(metadata.senn!) as FileGraph;
  if (graph.version < 7) return bytes;
  const out: Record<string, Tensor> = Object.fromEntries(tensors);
  const sizes = new Map(graph.levels.map((l) => [l.id, l.size]));
  const count = (graph as { pruneCandidateCount?: number }).pruneCandidateCount;
  if (count !== undefined) {
    const pairs = tensors.get('growth.pruneCandidates')!.data;
    Object.assign(graph, { pruneCandidates: Array.from({ length: count }, (_, k) => ({ block: pairs[2 * k]!, edge: pairs[2 * k + 1]! })), pruneCandidateCount: undefined });
    delete out['growth.pruneCandidates'];
  }
  for (const l of graph.levels) {
    if (l.sharedBiasPeriod !== undefined) {
      const ids = tensors.get(`levels.${l.id}.biasTies`)!.data;
      out[`levels.${l.id}.biasTies`] = i32(Array.from({ length: l.size }, (_, n) => ids[n % l.sharedBiasPeriod!]!));
      delete l.sharedBiasPeriod;
    }
    if (l.pool?.image) {
      const windows = poolImageEdges(`level ${l.id}`, l.pool.kind, l.pool.image, { src: sizes.get(l.pool.source)!, dst: l.size, edges: l.pool.edges });
      [out[`levels.${l.id}.poolSrc`], out[`levels.${l.id}.poolDst`]] = [i32(windows.sources), i32(windows.destinations)];
      delete l.pool.image;
    }
  }
  graph.version = 6;
  return encodeSafetensors(out, { ...metadata, senn: JSON.stringify(graph) });
}

/**
 * A version 6 or 7 checkpoint as version 5 (or 4, without pooling) writes the same network (a
 * file of an earlier version as it is): every
 * slot of each shared value in the weight, bias and per-parameter tensors, and a
 * convolution's edges listed (`src`, `dst`, `ties`) instead of its windows. The reader's
 * paths for files of earlier builds are tested on it.
 */
export function everySlotFile(bytes: Uint8Array): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(version6File(bytes));
  const graph = JSON.parse(metadata.senn!) as FileGraph;
  // Earlier versions already hold every slot (a network whose shared ids each have one slot is written so too).
  if (graph.version < 6) return bytes;
  const out: Record<string, Tensor> = Object.fromEntries(tensors);
  const f32 = (data: Float32Array): Tensor => ({ dtype: 'F32', shape: [data.length], data });
  // Each block's and biased level's ids per slot (null: unshared) and value count, in the parameter order.
  const segments: { ids: ArrayLike<number> | null; count: number }[] = [];
  const sizes = new Map(graph.levels.map((l) => [l.id, l.size]));
  graph.blocks.forEach((b, i) => {
    let ids: ArrayLike<number> | null = b.sharedWeights === undefined ? null : tensors.get(`blocks.${i}.ties`)?.data ?? null;
    if (b.convolution) {
      const edges = convolutionEdges(`block ${i}`, b.convolution, tensors.get(`blocks.${i}.entries`)!.data, { src: sizes.get(b.src)!, dst: sizes.get(b.dst)!, edges: b.edges });
      delete out[`blocks.${i}.entries`];
      delete b.convolution;
      [out[`blocks.${i}.src`], out[`blocks.${i}.dst`], out[`blocks.${i}.ties`]] = [i32(edges.sources), i32(edges.destinations), i32(edges.ties)];
      ids = edges.ties;
    }
    if (ids) {
      const slots = perSlot(tensors.get(`blocks.${i}.weight`)!.data as Float32Array, ids);
      // A matrix's slots: its edges run by destination, its weights by source.
      const { src, dst } = { src: sizes.get(b.src)!, dst: sizes.get(b.dst)! };
      out[`blocks.${i}.weight`] = b.form === 'dense' ? { dtype: 'F32', shape: [src, dst], data: Float32Array.from({ length: src * dst }, (_, k) => slots[(k % dst) * src + Math.floor(k / dst)]!) } : f32(slots);
    }
    segments.push({ ids, count: b.sharedWeights ?? b.edges });
  });
  for (const l of graph.levels) {
    if (l.role === 'input' || l.pool) continue;
    const ids = l.sharedBiases === undefined ? null : tensors.get(`levels.${l.id}.biasTies`)!.data;
    if (ids) out[`levels.${l.id}.bias`] = f32(perSlot(tensors.get(`levels.${l.id}.bias`)!.data as Float32Array, ids));
    segments.push({ ids, count: l.sharedBiases ?? l.size });
  }
  for (const name of PER_PARAMETER) {
    const values = tensors.get(name)?.data as Float32Array | undefined;
    if (!values) continue;
    const parts: Float32Array[] = [];
    let at = 0;
    for (const { ids, count } of segments) {
      const part = values.subarray(at, at + count);
      parts.push(ids ? perSlot(part, ids) : part);
      at += count;
    }
    const slots = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((offset, p) => (slots.set(p, offset), offset + p.length), 0);
    out[name] = f32(slots);
  }
  graph.version = graph.levels.some((l) => l.pool) ? 5 : 4;
  return encodeSafetensors(out, { ...metadata, senn: JSON.stringify(graph) });
}

/** Outputs of examples/numpy_forward.py for checkpoint `bytes` on the rows of `probe`. */
export function numpyForward(bytes: Uint8Array, probe: Dataset): number[] {
  const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0);
  expect(python, 'python3 with numpy (bash scripts/setup.sh installs python3-numpy)').toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), 'senn-numpy-'));
  try {
    writeFileSync(join(dir, 'net.senn'), bytes);
    // Each f32 printed as the shortest decimal that reads back as the same f32.
    const f = probe.features;
    const rows = Array.from({ length: probe.rows }, (_, r) => Array.from(probe.x.subarray(r * f, r * f + f), (v) => String(v)).join(','));
    writeFileSync(join(dir, 'inputs.csv'), `${rows.join('\n')}\n`);
    const run = spawnSync(python!, ['examples/numpy_forward.py', join(dir, 'net.senn'), join(dir, 'inputs.csv')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout.trim().split('\n').flatMap((line) => line.split(',').map(Number));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `count` copies of checkpoint `bytes`, each cut short one time in five and with 1–8 bytes set
 * at random (most in the header, where structure lives), loaded by `rt`: each must load or
 * fail with a CheckpointError or AdapterLimitError; anything else is thrown. The counts of each.
 */
export function mutationFuzz(rt: Runtime, bytes: Uint8Array, rng: Random, count: number): { loaded: number; rejected: number } {
  let loaded = 0;
  let rejected = 0;
  const header = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  for (let i = 0; i < count; i++) {
    const mutated = bytes.slice(0, rng.next() < 0.2 ? rng.int(bytes.length) : bytes.length);
    const flips = 1 + rng.int(8);
    for (let f = 0; f < flips && mutated.length > 0; f++) {
      const at = rng.next() < 0.7 ? rng.int(Math.min(header, mutated.length)) : rng.int(mutated.length);
      mutated[at] = rng.int(256);
    }
    try {
      rt.loadNetwork(mutated).destroy();
      loaded++;
    } catch (error) {
      if (!(error instanceof CheckpointError || error instanceof AdapterLimitError)) throw error;
      rejected++;
    }
  }
  return { loaded, rejected };
}

/**
 * `count` copies of checkpoint `bytes`, each with one field of its graph (two in three) or of
 * its safetensors header set to a stray value (a number out of range, NaN, null, a string, a
 * list): each must load, describe and predict finite values on `probe`, or be refused with a
 * CheckpointError or AdapterLimitError, and leave nothing allocated. How many were refused.
 */
export async function strayFieldFuzz(rt: Runtime, bytes: Uint8Array, probe: Dataset, rng: Random, count: number): Promise<number> {
  const meta = decodeSafetensors(bytes);
  const graph = JSON.parse(meta.metadata.senn!);
  // Every field and entry of a JSON value, as paths. (The byte-level fuzz (mutationFuzz) mostly
  // breaks the JSON itself; these reach the checks of each field: a seed, the prune's state,
  // a tensor's description.)
  const pathsOf = (value: unknown): (string | number)[][] => {
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]): void => {
      if (path.length > 0) paths.push(path);
      if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
    };
    walk(value, []);
    return paths;
  };
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const withHeader = (h: object): Uint8Array => {
    const text = new TextEncoder().encode(JSON.stringify(h));
    const file = new Uint8Array(8 + text.length + bytes.length - 8 - headerLength);
    new DataView(file.buffer).setBigUint64(0, BigInt(text.length), true);
    file.set(text, 8);
    file.set(bytes.subarray(8 + headerLength), 8 + text.length);
    return file;
  };
  const graphPaths = pathsOf(graph);
  // The header's own fields: the tensors' (the metadata's graph is a string, mutated above).
  const headerPaths = pathsOf(header).filter((p) => p[0] !== '__metadata__');
  const stray = [0, -1, 1, 3, 1.5, 1e9, 2 ** 31, Number.NaN, null, 'x', true, [], {}, 'relu', 'sparse'];
  const start = rt.liveBytes;
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const inGraph = i % 3 !== 2;
    const copy = JSON.parse(JSON.stringify(inGraph ? graph : header));
    const path = (inGraph ? graphPaths : headerPaths)[rng.int(inGraph ? graphPaths.length : headerPaths.length)]!;
    const value = stray[rng.int(stray.length)];
    path.slice(0, -1).reduce((o, k) => o[k], copy)[path.at(-1)!] = value;
    const file = inGraph ? encodeSafetensors(Object.fromEntries(meta.tensors), { senn: JSON.stringify(copy) }) : withHeader(copy);
    const what = `${inGraph ? 'graph' : 'header'} ${path.join('.')} = ${JSON.stringify(value)}`;
    try {
      const loaded = rt.loadNetwork(file);
      describeCheckpoint(file);
      expect((await loaded.predict(probe)).every(Number.isFinite), what).toBe(true);
      loaded.destroy();
    } catch (error) {
      expect(error instanceof CheckpointError || error instanceof AdapterLimitError, `${what}: ${String(error)}`).toBe(true);
      refused++;
    }
    expect(rt.liveBytes, what).toBe(start);
  }
  return refused;
}
