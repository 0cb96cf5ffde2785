// Imports that browser bundles (the library's, the demo's) resolve to other modules than Node:
// csv-parse's browser build brings its own Buffer, which its Node build takes from Node.
export const BROWSER_ALIASES = { 'csv-parse/sync': 'csv-parse/browser/esm/sync' };
