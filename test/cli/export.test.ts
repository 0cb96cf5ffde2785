// `senn export`: a checkpoint as an ONNX model, run in onnxruntime (WebAssembly, in this
// process) on real data and held to what senn says of the same network.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ONNX_SCHEMA } from '../../src/io/onnxSchema.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { loadMnist } from '../../src/node/datasets.js';
import { senn, scratchDir } from '../helpers/cli.js';
import { relativeError } from '../helpers/numeric.js';
import { onnxAccuracy, runOnnx } from '../helpers/onnx.js';

/** The model's metadata entry `key` (read with the schema senn writes by). */
function metadataOf(model: Uint8Array, key: string): string | undefined {
  const decoded = protobuf.parse(ONNX_SCHEMA).root.lookupType('onnx.ModelProto').decode(model) as unknown as { metadataProps: { key: string; value: string }[] };
  return decoded.metadataProps.find((p) => p.key === key)?.value;
}

const { path } = scratchDir('senn-export-');

describe('senn export', () => {
  it('a network grown on MNIST runs in onnxruntime with the accuracy senn eval gives it, its class probabilities summing to 1', async () => {
    const trained = await senn('train', '--dataset', 'mnist', '--arch', '784-10', '--expand', '--epochs', '4', '--window', '1', '--min-epochs-between', '1', '--delete-after', '1', '--loss-change-threshold', '1', '--train-rows', '3000', '--save', path('m.senn'));
    expect(trained.code).toBe(0);
    expect(trained.out).toMatch(/senn: grew 784-10 → 784-\d+-10: 1 expansion \(.* 1 pruning \(/);
    const exported = await senn('export', path('m.senn'), path('m.onnx'));
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/m\.onnx: ONNX model \(opset 13\), 784-\d+-10, [\d,]+ parameters, \d+ KiB; input "inputs", outputs "outputs" and "probabilities"/);
    const evaluated = await senn('eval', path('m.senn'), '--json', path('eval.json'));
    expect(evaluated.code).toBe(0);
    const want = JSON.parse(readFileSync(path('eval.json'), 'utf8')) as { accuracy: number };

    const test = loadMnist().test;
    const model = new Uint8Array(readFileSync(path('m.onnx')));
    const { accuracy, worstSum } = await onnxAccuracy(model, test);
    console.info(`senn export: MNIST test accuracy in onnxruntime ${(100 * accuracy).toFixed(2)}%, senn eval ${(100 * want.accuracy).toFixed(2)}%; model ${model.length} bytes`);
    // The same network: the same answers, but for a row whose two likeliest classes a float
    // summed in another order could swap (none expected; one allowed).
    expect(Math.abs(accuracy - want.accuracy)).toBeLessThanOrEqual(1 / test.rows + 1e-12);
    expect(worstSum).toBeLessThan(1e-5);
    // With --raw-inputs, the pixels as the files hold them (0-255): the same answers.
    expect((await senn('export', path('m.senn'), path('raw.onnx'), '--raw-inputs')).out).toMatch(/input "inputs" \(as the dataset holds them\)/);
    const bytes = { ...test, x: Float32Array.from(test.x), featureScale: 1 };
    expect((await onnxAccuracy(new Uint8Array(readFileSync(path('raw.onnx'))), bytes)).accuracy).toBe(accuracy);
    // The metadata: MNIST's classes, the run as the checkpoint describes it.
    expect(metadataOf(model, 'classes')).toBe(JSON.stringify(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']));
    expect(JSON.parse(metadataOf(model, 'senn.run')!)).toMatchObject({ data: { dataset: 'mnist', task: 'classification' } });
  });

  it('a convolution and max pooling on MNIST: Conv and MaxPool, under 100 kB where the convolution alone is 19 MiB as a matrix, with the accuracy senn gives it; --no-image-operators writes the same function as matrices', async () => {
    const trained = await senn('train', '--dataset', 'mnist', '--conv', '5,1,8,2', '--pool', '2', '--arch', '784-6272-1568-10', '--epochs', '1', '--train-rows', '600', '--lr', '0.01', '--batch', '32', '--save', path('c.senn'), '--json', path('c.json'));
    expect(trained.code, trained.err).toBe(0);
    const want = (JSON.parse(readFileSync(path('c.json'), 'utf8')) as { test: { accuracy: number } }).test.accuracy;
    const exported = await senn('export', path('c.senn'), path('c.onnx'));
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toMatch(/c\.onnx: ONNX model \(opset 13\), 784-6272-1568-10, 15,898 parameters, \d+ KiB/);
    const flat = await senn('export', path('c.senn'), path('flat.onnx'), '--no-image-operators');
    expect(flat.out).toMatch(/flat\.onnx: ONNX model \(opset 18\)/);
    const model = new Uint8Array(readFileSync(path('c.onnx')));
    const matrices = new Uint8Array(readFileSync(path('flat.onnx')));
    const ops = (bytes: Uint8Array) => (protobuf.parse(ONNX_SCHEMA).root.lookupType('onnx.ModelProto').decode(bytes).toJSON().graph.node as { opType: string }[]).map((n) => n.opType);
    expect(ops(model).filter((op) => /Conv|Pool|Scatter/.test(op))).toEqual(['Conv', 'MaxPool']);
    expect(ops(matrices)).not.toContain('Conv');
    // The convolution's 200 weights and 8 biases, not 784 × 6,272 floats; the output's 1568 × 10 matrix is most of what is left.
    console.info(`senn export: MNIST convolution and pooling, ${model.length} bytes as Conv and MaxPool, ${matrices.length} as matrices and windows of edges`);
    expect(model.length).toBeLessThan(100_000);
    expect(matrices.length).toBeGreaterThan(784 * 6272 * 4);
    const test = loadMnist().test;
    const { accuracy } = await onnxAccuracy(model, test);
    console.info(`senn export: MNIST convolution test accuracy in onnxruntime ${(100 * accuracy).toFixed(2)}%, senn ${(100 * want).toFixed(2)}%`);
    expect(Math.abs(accuracy - want)).toBeLessThanOrEqual(1 / test.rows + 1e-12);
    // Both models, the same outputs (the matrices' model on 500 rows: it is the slow one).
    const part = { ...test, rows: 500, x: test.x.subarray(0, 500 * 784), labels: test.labels!.subarray(0, 500) };
    const err = relativeError((await runOnnx(matrices, part)).outputs!, (await runOnnx(model, part)).outputs!);
    console.info(`senn export: as Conv and MaxPool against as matrices, relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
  });

  it('a regression has outputs only; bad command lines exit 2 and bad checkpoints 3, writing nothing', async () => {
    expect((await senn('train', '--dataset', 'regression', '--epochs', '1', '--save', path('r.senn'))).code).toBe(0);
    // A checkpoint saved by the API, without the run that says how its inputs were read.
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path('r.senn'))));
    expect(metadata['senn.run']).toBeDefined();
    writeFileSync(path('api.senn'), encodeSafetensors(Object.fromEntries(tensors), { senn: metadata.senn! }));
    const exported = await senn('export', path('r.senn'), path('r.onnx'), '--dense-from', '0');
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/input "inputs", output "outputs"$/m);
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path('r.onnx'))));
    expect(session.outputNames).toEqual(['outputs']);
    await session.release();
    for (const [argv, code, message] of [
      [[path('r.senn')], 2, /needs a checkpoint and the ONNX file to write/],
      [[path('r.senn'), path('r.txt')], 2, /name the output FILE\.onnx, not .*r\.txt/],
      [[path('r.senn'), path('x.onnx'), '--dense-from=-1'], 2, /--dense-from must be a number ≥ 0, got "-1"/],
      [[path('r.senn'), path('x.onnx'), '--dense-from', ''], 2, /--dense-from must be a number ≥ 0/],
      [[path('r.senn'), path('x.onnx'), '--probabilities'], 2, /ConfigError: ONNX export: probabilities asked of a network of 1 output/],
      [[path('r.senn'), path('missing/x.onnx')], 2, /the directory .*missing does not exist/],
      [[path('api.senn'), path('x.onnx'), '--raw-inputs'], 2, /rawInputs needs the run's data recipe/],
      [[path('none.senn'), path('x.onnx')], 3, /CheckpointError: cannot read checkpoint/],
      [[path('r.onnx'), path('x.onnx')], 3, /CheckpointError/],
    ] as const) {
      const run = await senn('export', ...argv);
      expect([run.code, run.err]).toEqual([code, expect.stringMatching(message)]);
    }
    expect(() => readFileSync(path('x.onnx'))).toThrow();
  });
});
