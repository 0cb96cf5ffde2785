// The README's code snippets, as a reader copies them: each one type-checks against the
// build's declarations, runs, and prints what its comments say it prints. (The first three,
// whole programs, are the examples/readme-*.ts files: test/readme.test.ts.)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format } from 'node:util';
import { transformSync } from 'esbuild';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sennNode from '../src/node.js';
import * as sennOnnx from '../src/onnx.js';
import { pickRows, splitDataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/node/datasets.js';
import type { Dataset } from '../src/data/dataset.js';
import { printClaims, readmeBlocks, splitImports, topLevelNames, type ReadmeBlock } from './helpers/readme.js';
import { senn } from './helpers/cli.js';
import { useRuntime } from './helpers/runtime.js';
import './helpers/onnx.js'; // onnxruntime-web on one thread
import * as ort from 'onnxruntime-web';

/** The snippets: every TypeScript and JavaScript block after the three whole programs. */
const snippets: ReadmeBlock[] = readmeBlocks(['ts', 'js']).slice(3);

/** What the README's prose gives a snippet without declaring it, and its type. */
const GIVEN: Record<string, string> = {
  runtime: 'Runtime', // createNodeRuntime() / createRuntime()
  train: 'Dataset',
  validation: 'Dataset',
  probe: 'Dataset', // rows to measure a split's change on
  net: 'Network', // a 784-10 network, where the snippet does not create its own
  rows: 'Float32Array', // n rows of 784 inputs
  n: 'number',
};

/** The exports of senn's main entries that a snippet names without importing them (as if it had). */
function sennNames(body: string): string[] {
  const words = new Set(body.match(/\b[A-Za-z_]\w*\b/g));
  return Object.keys(sennNode).filter((name) => words.has(name) && !(name in GIVEN));
}

/** Where a snippet's line lands in README.md. */
const readmeLine = (block: ReadmeBlock, lineInBlock: number) => block.line + lineInBlock;

describe('README snippets type-check against the build (senn/node, senn/onnx through the exports map)', () => {
  it('every snippet, given runtime, train, validation, probe, net, rows and n', () => {
    // One module: the given names declared, each snippet in a block of its own (its
    // imports at the top), every line mapped back to the README's.
    const head = [`import type { Dataset, Network, Runtime } from 'senn/node';`, ...Object.entries(GIVEN).map(([name, type]) => `declare const ${name}: ${type};`)];
    const named = new Set(snippets.flatMap((block) => sennNames(splitImports(block.code).body)));
    head.push(`import { ${[...named].join(', ')} } from 'senn/node';`);
    const lines: { text: string; at: string }[] = head.map((text) => ({ text, at: 'prelude' }));
    for (const block of snippets) {
      const { imports, body } = splitImports(block.code);
      for (const text of imports) lines.unshift({ text, at: `README.md:${block.line}` });
      lines.push({ text: '{', at: `README.md:${block.line}` });
      body.split('\n').forEach((text, i) => lines.push({ text, at: `README.md:${readmeLine(block, i)}` }));
      lines.push({ text: '}', at: `README.md:${block.line}` });
    }
    const diagnostics = typecheck(lines.map((l) => l.text).join('\n')).map((d) => `${lines[d.line]?.at ?? '?'}: ${d.message}`);
    expect(diagnostics).toEqual([]);
  }, 60_000);
});

describe('README snippets run on 768 MNIST rows and print what their comments say', () => {
  const runtime = useRuntime();
  let train: Dataset;
  let validation: Dataset;
  let probe: Dataset;
  beforeAll(() => {
    [train, validation] = splitDataset(pickRows(loadMnist().train, 768, 0), 2 / 3, 0);
    probe = pickRows(validation, 64, 1);
  });

  it.each(snippets.map((block) => [`README.md:${block.line}`, block] as const))('%s', async (_, block) => {
    const net = runtime().createNetwork({ sizes: [784, 10], seed: 0 });
    const rows = Float32Array.from(probe.x, (v) => v * probe.featureScale);
    const given: Record<string, unknown> = { runtime: runtime(), train, validation, probe, net, rows, n: probe.rows };
    const { results, printed } = await runSnippet(block, given);
    for (const { line, claim, values } of printed) {
      const shown = format(...values);
      console.info(`README.md:${readmeLine(block, line)} printed ${JSON.stringify(shown)}${claim === null ? ' (its comment claims nothing)' : ''}`);
      if (claim !== null) expect(claim === shown || (claim.startsWith(shown) && /^[:\s]/.test(claim.slice(shown.length))), `README.md:${readmeLine(block, line)}: prints ${shown}, its comment says ${claim}`).toBe(true);
    }
    checkResults(results);
  }, 120_000);
});

describe("README's Python snippet", () => {
  const runtime = useRuntime();

  it('is Python, and names the input and output that senn\'s ONNX model has', async () => {
    const [block] = readmeBlocks(['python']);
    const parse = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: block!.code, encoding: 'utf8' });
    expect(parse.status, parse.stderr).toBe(0);
    const net = runtime().createNetwork({ sizes: [784, 10], seed: 0 });
    const session = await ort.InferenceSession.create(await sennOnnx.networkToOnnx(net, { probabilities: true }));
    const [, outputs, input] = /\.run\(\[([^\]]*)\],\s*\{\s*"(\w+)"/.exec(block!.code)!;
    expect(session.inputNames).toContain(input);
    for (const output of outputs!.match(/"(\w+)"/g)!) expect(session.outputNames).toContain(output.slice(1, -1));
    await session.release();
    net.destroy();
  });
});

/** A few of the snippets' results, held to what the README says of them. */
function checkResults(results: Record<string, unknown>): void {
  if ('probabilities' in results) {
    // The ONNX model of the given 784-10 network: n rows of 10 probabilities, each row summing to 1.
    const probabilities = results.probabilities as ort.Tensor;
    expect(probabilities.dims).toEqual([64, 10]);
    const p = probabilities.data as Float32Array;
    for (let r = 0; r < 64; r++) expect(Math.abs(p.subarray(10 * r, 10 * r + 10).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
  }
  if ('split' in results && 'edges' in results) {
    // The research API: the edges it selected are the edges it split.
    const split = results.split as { edgesSplit: number };
    expect(split.edgesSplit).toBe((results.edges as unknown[]).length);
    expect(split.edgesSplit).toBeGreaterThan(0);
  }
}

/**
 * Runs a snippet as the body of an async function given `given`, the senn exports it names and
 * the modules it imports, its commented `console.log` calls recorded (the others silent);
 * returns the values of the names it declares at its top level.
 */
async function runSnippet(block: ReadmeBlock, given: Record<string, unknown>) {
  const { imports, body } = splitImports(block.code);
  const claims = printClaims(body);
  const printed: { line: number; claim: string | null; values: unknown[] }[] = [];
  const lines = body.split('\n').map((text, i) => {
    const k = claims.findIndex((c) => c.line === i);
    return k < 0 ? text : text.replace('console.log(', `__print(${k}, `);
  });
  const modules: Record<string, unknown> = { 'senn/onnx': sennOnnx, 'senn/node': sennNode, senn: sennNode, 'onnxruntime-web': ort };
  const bound = imports.map((line) => {
    const [, what, from] = /^import\s+(.*)\s+from\s+'([^']+)';/.exec(line)!;
    if (!(from! in modules)) throw new Error(`README.md:${block.line}: imports ${from}, which this test does not provide`);
    const star = /^\*\s+as\s+(\w+)$/.exec(what!);
    return star ? `const ${star[1]} = __modules[${JSON.stringify(from)}];` : `const ${what!.replace(/\s+as\s+/g, ': ')} = __modules[${JSON.stringify(from)}];`;
  });
  const names = sennNames(body);
  const returned = topLevelNames(body);
  const params = [...Object.keys(given), ...names, 'console', '__print', '__modules'];
  const source = `async function snippet(${params.join(', ')}) {\n${bound.join('\n')}\n{\n${lines.join('\n')}\n;return { ${returned.join(', ')} };\n}\n}`;
  const run = new Function(`${transformSync(source, { loader: 'ts' }).code}\nreturn snippet;`)() as (...values: unknown[]) => Promise<Record<string, unknown>>;
  const quiet = { ...console, log: () => {} };
  const print = (k: number, ...values: unknown[]) => printed.push({ line: claims[k]!.line, claim: claims[k]!.claim, values });
  const results = await run(...Object.values(given), ...names.map((name) => (sennNode as Record<string, unknown>)[name]), quiet, print, modules);
  expect(printed.map((p) => p.line), `README.md:${block.line}: every commented console.log ran`).toEqual(claims.map((c) => c.line));
  return { results, printed };
}

/** Type errors of `source`, checked as a module beside test/fixtures/consumer (strict, senn through its exports map). */
function typecheck(source: string): { line: number; message: string }[] {
  const dir = resolve('test/fixtures/consumer');
  const file = resolve(dir, 'readme-snippets.ts');
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(resolve(dir, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, dir);
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (resolve(name) === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], { ...config.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

describe('command lines of the README and docs/results.md', () => {
  it.each(['README.md', 'docs/results.md'])("in %s name only options that the commands' --help lists", async (file) => {
    const help = (await Promise.all(['train', 'eval', 'predict', 'info', 'export'].map((command) => senn(command, '--help')))).map((r) => r.out).join('\n');
    // Code spans and fenced blocks, where a reader copies options from; Chromium's launch flags are not senn's.
    const code = [...readFileSync(file, 'utf8').matchAll(/```[\s\S]*?```|`[^`\n]+`/g)].map((m) => m[0]).join('\n');
    const named = new Set(code.match(/(?<![\w-])--[a-z][a-z0-9-]*/g));
    const unknown = [...named].filter((option) => !CHROMIUM_FLAGS.includes(option) && !new RegExp(`(?<![\\w-])${option}(?![\\w-])`).test(help));
    expect(named.size).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });
});

/** The browser's flags the README names for pages that import senn. */
const CHROMIUM_FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox'];
