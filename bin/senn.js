#!/usr/bin/env node
// The senn command line; the implementation is in src/cli (built to dist/node/cli.js).
let cli;
try {
  cli = await import('../dist/node/cli.js');
} catch (error) {
  process.stderr.write(`senn: the build is missing (${error.message}); run "npm run build" first\n`);
  process.exit(1);
}
const code = await cli.main(process.argv.slice(2));
// Dawn keeps the event loop alive while a GPU instance exists; exit explicitly.
process.exit(code);
