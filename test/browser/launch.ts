// The browser tests launch Chromium and serve pages with the shared helpers.
export { chromiumPath, launchBrowser, serveStatic } from '../../scripts/chromium.js';
