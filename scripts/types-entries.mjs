// Writes the declaration entries for TypeScript before 6 (dist/types/ts5/*.d.ts), which the
// exports map's "types" condition names; "types@>=6" names dist/types/*.d.ts themselves.
//
// senn's public API names WebGPU's types (GPUDevice, GPUBuffer, ...). TypeScript 5 has none of
// them, so those entries bring @webgpu/types along and a project need not list it. TypeScript 6
// and 7 declare WebGPU in their "dom" library, and @webgpu/types beside it is 182 duplicate
// declarations (skipLibCheck false): there the declarations use the project's own WebGPU types
// (its "dom" library, @types/web, or @webgpu/types listed in "types").
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

// The entries are the ones package.json names, so the two cannot drift apart.
const manifest = readFileSync('package.json', 'utf8');
const entries = new Set([...manifest.matchAll(/"\.\/dist\/types\/ts5\/(\w+)\.d\.ts"/g)].map((m) => m[1]));
mkdirSync('dist/types/ts5', { recursive: true });
for (const entry of entries) {
  writeFileSync(
    `dist/types/ts5/${entry}.d.ts`,
    `// senn's ${entry} entry for TypeScript before 6, with WebGPU's types (scripts/types-entries.mjs).\n` +
      `/// <reference types="@webgpu/types" />\n` +
      `export * from '../${entry}.js';\n`,
  );
}
