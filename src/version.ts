import packageJson from '../package.json' with { type: 'json' };

/** senn's version (package.json's, bundled into the CLI at build time). */
export const SENN_VERSION: string = packageJson.version;
