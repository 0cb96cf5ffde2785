import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readmeBlocks } from './helpers/readme.js';


/** An example file without its first comment line. */
const example = (path: string) => readFileSync(path, 'utf8').split('\n').slice(1).join('\n');

describe('README', () => {
  it('shows the browser, Node and CSV examples exactly as typechecked in examples/ (its other snippets: readmeSnippets.test.ts)', () => {
    const blocks = readmeBlocks(['ts']).map((b) => b.code);
    expect(blocks.slice(0, 3)).toEqual(['readme-browser.ts', 'readme-csv.ts', 'readme-node.ts'].map((f) => example(`examples/${f}`)));
  });

  it('starts with the two commands: the main job and the tests', () => {
    const commands = readFileSync('README.md', 'utf8').split('```sh\n')[1]!.split('```')[0]!;
    expect(commands).toMatch(/npm run train -- --dataset mnist .*--expand/);
    expect(commands).toMatch(/npm test/);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm test/);
  });

  it("states the browser build's size as the build has it (within 5%: update the README when it grows)", () => {
    const said = /`senn\/browser`: (\d+) KB\s+unminified, (\d+) KB gzipped/.exec(readFileSync('README.md', 'utf8'));
    expect(said).not.toBeNull();
    // senn.js and the chunks it imports, as a page that imports senn/browser loads them.
    const loaded = new Set<string>();
    const load = (file: string): void => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const m of readFileSync(join('dist/browser', file), 'utf8').matchAll(/from\s*"\.\/(chunk-[\w-]+\.js)"/g)) load(m[1]!);
    };
    load('senn.js');
    const code = Buffer.concat([...loaded].map((f) => readFileSync(join('dist/browser', f))));
    const [kb, gzipKb] = [code.length / 1000, gzipSync(code).length / 1000];
    console.info(`senn/browser: ${[...loaded].join(', ')}: ${kb.toFixed(0)} KB, ${gzipKb.toFixed(0)} KB gzipped`);
    expect(Math.abs(kb / Number(said![1]) - 1)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(gzipKb / Number(said![2]) - 1)).toBeLessThanOrEqual(0.05);
  });
});

describe('the reference configuration\'s timed runs', () => {
  it('are counted in the README and docs/results.md as bench/results/reference-config-runs.csv lists them (append a run there, then update both)', () => {
    const [header, ...lines] = readFileSync('bench/results/reference-config-runs.csv', 'utf8').trim().split('\n');
    expect(header).toBe('run,seconds,group,how');
    const seconds = lines.map((line, i) => {
      const [run, s] = line.split(',');
      expect(Number(run), line).toBe(i + 1);
      return Number(s);
    });
    expect(seconds.every((s) => Number.isFinite(s) && s > 0)).toBe(true);
    // The floor: 5x the reference code's 533 s.
    const [n, under] = [seconds.length, seconds.filter((s) => s <= 533 / 5).length];
    const range = `${Math.min(...seconds).toFixed(1)}–${Math.max(...seconds).toFixed(1)} s`;
    console.info(`${n} runs, ${range}, ${under} within 106.6 s`);
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.split(`${range} (${n} runs)`).length - 1).toBe(2);
    expect(readme).toContain(`met in ${under} runs of ${n}`);
    const results = readFileSync('docs/results.md', 'utf8').replace(/\s+/g, ' ');
    expect(results).toContain(`Its ${n} timed runs took **${range}**`);
    expect(results).toContain(`**the time floor (5x, 106.6 s) is met in ${under} of the ${n} runs**`);
  });
});

/** Every file under `dir`, as paths relative to it. */
function files(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name), root) : [relative(root, join(dir, d.name))]));
}

describe('API docs', () => {
  it('docs/api is what typedoc generates from the current TSDoc, without a warning (a dead link fails; run "npm run docs" after API changes)', () => {
    const out = mkdtempSync(join(tmpdir(), 'senn-docs-'));
    try {
      const run = spawnSync('npx', ['typedoc', '--out', out, '--logLevel', 'Warn'], { encoding: 'utf8' });
      expect(run.status, run.stderr + run.stdout).toBe(0);
      const generated = files(out).sort();
      expect(generated).toEqual(files('docs/api').sort());
      for (const file of generated) expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join('docs/api', file), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the README's Layout table", () => {
  it('names only folders and files that the repository has (in the folder of their row)', () => {
    const after = readFileSync('README.md', 'utf8').split('\n## Layout\n')[1]!.trimStart().split('\n');
    const rows = after.slice(2, after.findIndex((line) => !line.startsWith('|')));
    const tracked = spawnSync('git', ['ls-files'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const missing: string[] = [];
    let checked = 0;
    for (const row of rows) {
      const [, folders, holds] = row.split(/^\| | \| /);
      const under = [...folders!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      for (const folder of under) if (!existsSync(folder)) missing.push(folder);
      for (const [, name] of holds!.matchAll(/`([\w./-]+\.(?:ts|wgsl|mjs|md|sh|py|json))`/g)) {
        // A file's path, or its bare name somewhere under its row's folders (docs/ rows name files in the row's own cell).
        const found = tracked.some((f) => f === name || (f.endsWith(`/${name}`) && under.some((dir) => f.startsWith(dir.replace(/\/?$/, '/')) || !dir.endsWith('/'))));
        if (!found) missing.push(`${name} (row ${under.join(', ')})`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});

describe('the results the docs cite', () => {
  it('every JSON file the README and docs/*.md name (brace lists and globs expanded) is in the repository', () => {
    const tracked = spawnSync('git', ['ls-files'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    // A glob's * as a regular expression; a bare name matches a file of that name anywhere.
    const matches = (pattern: string) => {
      const re = new RegExp(`(^|/)${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      return tracked.some((f) => (pattern.includes('/') ? re.test(f) && f.startsWith(pattern.split('*')[0]!) : re.test(f)));
    };
    const docs = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const missing: string[] = [];
    let checked = 0;
    for (const doc of docs) {
      for (const [, named] of readFileSync(doc, 'utf8').matchAll(/`([^`\s]+\.json)`/g)) {
        // "…" abbreviates a name given in full nearby; "-0.01.json" continues one; the Vulkan driver's file is the system's.
        if (named!.includes('…') || named!.startsWith('-') || named === 'nvidia_icd.json') continue;
        const [head, list, tail] = named!.split(/\{([^}]*)\}/);
        for (const name of list === undefined ? [named!] : list.split(',').map((item) => `${head}${item}${tail}`)) {
          checked++;
          if (!matches(name)) missing.push(`${name} (${doc})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });
});

describe('docs/architecture.md', () => {
  it('names only files that exist and names that the code defines (the guide stays true as the code moves)', () => {
    const guide = readFileSync('docs/architecture.md', 'utf8');
    const named = [...guide.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.replace(/\(\)$/, ''));
    const tracked = ['src', 'shaders', 'test', 'examples'].flatMap((dir) => files(dir).map((f) => join(dir, f)));
    const code = tracked.filter((f) => /\.(ts|wgsl|mjs)$/.test(f)).map((f) => readFileSync(f, 'utf8')).join('\n');
    const checked = { paths: 0, names: 0 };
    for (const name of named) {
      if (/^[\w/-]+\/$/.test(name)) {
        expect(existsSync(name), `the folder ${name} is named in docs/architecture.md but not in the tree`).toBe(true);
        checked.paths++;
      } else if (/^[\w./-]+\.(ts|wgsl|mjs|md)$/.test(name)) {
        // A path, or a file's bare name.
        const found = name.includes('/') ? tracked.includes(name) || readdirSync(join(name, '..')).includes(name.split('/').at(-1)!) : tracked.some((f) => f.endsWith(`/${name}`));
        expect(found, `${name} is named in docs/architecture.md but not in the tree`).toBe(true);
        checked.paths++;
      } else if (/^[A-Za-z_][\w.]*$/.test(name)) {
        // An identifier (the last part of a dotted one) that some source file spells.
        const last = name.split('.').at(-1)!;
        expect(new RegExp(`\\b${last}\\b`).test(code), `${name} is named in docs/architecture.md but no source defines or uses it`).toBe(true);
        checked.names++;
      }
    }
    expect(checked.paths).toBeGreaterThan(20);
    expect(checked.names).toBeGreaterThan(30);
  });
});
