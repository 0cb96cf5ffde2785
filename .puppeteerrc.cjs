// Puppeteer must never download a browser here: the system Chromium is used (see test/browser/launch.ts).
module.exports = { skipDownload: true };
