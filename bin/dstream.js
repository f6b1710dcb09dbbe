#!/usr/bin/env node
// Shebang shim (CommonJS: bin/package.json; an ES module here would start Node's ESM loader for
// nothing). The CLI is one bundled file, dist/bundle/main.cjs (made by `npm run build`), started
// with V8's code cache by dist/bundle/start.cjs (src/cli/start.cts, beside the bundle: a build swaps both in).
const path = require('node:path');
let start;
try {
  start = require('../dist/bundle/start.cjs').start;
} catch (e) {
  // A checkout after `npm ci` alone has no dist/: one line saying so, not a stack trace.
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('start.cjs')) {
    process.stderr.write(`dstream: not built: run \`npm run build\` in ${path.resolve(__dirname, '..')} first\n`);
    process.exit(1);
  }
  throw e;
}
start(process.argv.slice(2));
