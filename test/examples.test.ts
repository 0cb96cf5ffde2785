import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/** The fields of package.json these tests read. */
interface Manifest {
  types: string;
  typesVersions: unknown;
  exports: unknown;
  scripts: Record<string, string>;
  allowScripts: Record<string, boolean>;
}
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;

// Runs the example as a user would (against the build, imported as 'senn/node').
describe('examples', () => {
  it('custom-policy.mjs grows the network with a policy of its own', () => {
    const out = execFileSync(process.execPath, ['examples/custom-policy.mjs'], { env: { ...process.env, EPOCHS: '12' }, encoding: 'utf8' });
    const lines = out.split('\n').filter((l) => l.startsWith('epoch'));
    expect(lines).toHaveLength(12);
    expect(out).toMatch(/\+\d+ split/);
  });

  it("class-weights.mjs finds MNIST's rare 8s with classWeights: 'balanced' where the unweighted network misses them", () => {
    const out = execFileSync(process.execPath, ['examples/class-weights.mjs'], { env: { ...process.env, EPOCHS: '1' }, encoding: 'utf8' });
    expect(out).toContain('training rows 54442, of them 8s: 293\n');
    const recall = (name: string) => Number(new RegExp(`\\n${name} +recall of 8 ([\\d.]+)%`).exec(out)?.[1]);
    console.info(`class-weights.mjs, one epoch: recall of the rare 8s ${recall('unweighted')}% unweighted, ${recall('balanced')}% balanced`);
    expect(recall('balanced')).toBeGreaterThan(recall('unweighted') + 40);
  });

  it('custom-metric.mjs splits by a metric of its own, computed from readEdgeStatistics', () => {
    const out = execFileSync(process.execPath, ['examples/custom-metric.mjs'], { env: { ...process.env, ROUNDS: '2' }, encoding: 'utf8' });
    const lines = out.split('\n').filter((l) => l.startsWith('round'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/split 4 edges \(signal-to-noise [\d.]+–[\d.]+\) → \d+ params, arch 2-12-4-4-2$/);
  });

  it('custom-kernel.mjs scores edges with a WGSL kernel of its own on the network buffers, as the CPU does', () => {
    const out = execFileSync(process.execPath, ['examples/custom-kernel.mjs'], { env: { ...process.env, ROUNDS: '2' }, encoding: 'utf8' });
    const lines = out.split('\n').filter((l) => l.startsWith('round'));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const worst = Number(/largest relative difference from the CPU ([\d.e+-]+)\)/.exec(line)?.[1]);
      console.info(`custom-kernel.mjs: GPU scores vs CPU, largest relative difference ${worst} (tolerance 1e-5)`);
      expect(worst).toBeLessThanOrEqual(1e-5);
    }
    expect(lines[1]).toMatch(/split 4 → \d+ params, arch 2-12-4-4-2$/);
  });

  it('headless-test.mjs trains a growing network in headless Chromium from its own page and checks it from Node', () => {
    const out = execFileSync(process.execPath, ['examples/headless-test.mjs'], { env: { ...process.env, EPOCHS: '8' }, encoding: 'utf8' });
    expect(out).toMatch(/^adapter: \S+/);
    expect(out.split('\n').filter((l) => l.startsWith('epoch'))).toHaveLength(8);
    expect(out).toMatch(/\+\d+ split/);
    expect(out).toMatch(/\npassed: 2-[\d-]+-2, \d+ parameters\n$/);
  });

  it('the package publishes the library, its CLI, shaders and examples, and nothing else from dist/', () => {
    // dist/ also holds what scripts/run-ts.mjs bundles (benchmarks, profiles) and the demo's build.
    const run = spawnSync('npm', ['pack', '--dry-run', '--json'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const files = (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const allowed = /^(dist\/(node|browser|types)\/|bin\/|shaders\/[a-z]+\.wgsl$|examples\/|README\.md$|LICENSE$|package\.json$)/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    // Every declaration file the manifest names (types, typesVersions, the exports map's types
    // and types@>=6 conditions) is packed.
    const declarations = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string' && value.endsWith('.d.ts')) declarations.add(value.replace(/^\.\//, ''));
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect({ types: manifest.types, typesVersions: manifest.typesVersions, exports: manifest.exports });
    expect(declarations.size).toBe(8);
    expect([...declarations].filter((d) => !files.includes(d))).toEqual([]);
    for (const entry of ['dist/node/index.js', 'dist/node/cli.js', 'dist/node/csv.js', 'dist/node/onnx.js', 'dist/browser/senn.js', 'dist/browser/csv.js', 'dist/browser/onnx.js', 'dist/types/index.d.ts', 'dist/types/node.d.ts', 'dist/types/csv.d.ts', 'dist/types/onnx.d.ts', 'bin/senn.js', 'shaders/graph.wgsl', 'LICENSE']) {
      expect(files).toContain(entry);
    }
  });

  it("the build's shaders are shaders/*.wgsl without comments, every line where it was (compile errors keep their line numbers)", async () => {
    const { SHADERS } = (await import(pathToFileURL('dist/node/index.js').href)) as { SHADERS: Record<string, string> };
    const families = Object.keys(SHADERS);
    expect(families.length).toBeGreaterThan(10);
    for (const family of families) {
      const source = readFileSync(`shaders/${family}.wgsl`, 'utf8').split('\n');
      const built = SHADERS[family]!.split('\n');
      expect(built, family).toHaveLength(source.length);
      built.forEach((line, i) => expect(line, `${family}.wgsl:${i + 1}`).toBe(source[i]!.replace(/\s*\/\/.*$/, '')));
      expect(SHADERS[family]!.length, family).toBeLessThan(source.join('\n').length);
    }
  });

  it('every npm script runs a file the repository has', () => {
    // bench:figures once named a scripts/figures.mjs that was never written.
    const { scripts } = manifest;
    const named = Object.entries(scripts).flatMap(([name, line]) =>
      [...line.matchAll(/(?:\bnode|\bbash|run-ts\.mjs)\s+([\w./-]+\.(?:mjs|js|sh|ts))/g)].map((m) => [name, m[1]!] as const),
    );
    expect(named.length).toBeGreaterThan(8);
    expect(named.filter(([, file]) => !existsSync(file))).toEqual([]);
  });

  it("every dependency with an install script is allowed or denied in package.json's allowScripts", () => {
    // npm 11.19 runs no dependency's install scripts unless allowScripts allows them, and warns
    // about each one it skipped: a new dependency with a script must be decided here, not left to
    // the default (esbuild's puts its native binary in place; puppeteer's would download a browser).
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('esbuild');
    const { allowScripts } = manifest;
    expect([...new Set(withScripts)].filter((name) => typeof allowScripts[name] !== 'boolean')).toEqual([]);
    expect(Object.keys(allowScripts).filter((name) => !withScripts.includes(name))).toEqual([]);
  });

  // TypeScript 5 has no WebGPU types: its entries (dist/types/ts5) bring @webgpu/types along.
  // TypeScript 6 and 7 declare WebGPU in their "dom" library, beside which @webgpu/types is 182
  // duplicate declarations: their entries ("types@>=6" in the exports map) bring nothing.
  const compilers = [
    { name: 'TypeScript 5', tsc: createRequire(import.meta.url).resolve('typescript/bin/tsc'), bringsWebgpuTypes: true },
    { name: 'TypeScript 7', tsc: join(dirname(createRequire(import.meta.url).resolve('typescript-7/package.json')), 'bin/tsc'), bringsWebgpuTypes: false },
  ];
  it.each(compilers)("the build's declarations type-check in a strict $name project that lists no type packages", ({ tsc, bringsWebgpuTypes }) => {
    // test/fixtures/consumer imports 'senn/node', 'senn/csv' and 'senn/onnx' through the package's exports map, with
    // `types: []`, the DOM lib and `skipLibCheck: false`: a declaration naming GPUBuffer without
    // WebGPU's types, or with them declared twice, fails here.
    const run = spawnSync(process.execPath, [tsc, '-p', 'test/fixtures/consumer', '--listFiles'], { encoding: 'utf8' });
    const lines = (run.stdout + run.stderr).split('\n');
    expect(lines.filter((line) => / error TS\d+/.test(line))).toEqual([]);
    expect(run.status).toBe(0);
    expect(lines.some((line) => line.includes('/dist/types/node.d.ts'))).toBe(true);
    expect(lines.some((line) => line.includes('/dist/types/ts5/'))).toBe(bringsWebgpuTypes);
    expect(lines.some((line) => line.includes('node_modules/@webgpu/types/'))).toBe(bringsWebgpuTypes);
  });
});
