#!/usr/bin/env node
// Shebang shim (CommonJS: bin/package.json; an ES module here would start Node's ESM loader for
// nothing). The CLI is one bundled file, dist/bundle/main.cjs (made by `npm run build`), started
// with V8's code cache by dist/bundle/start.cjs (src/cli/start.cts, beside the bundle: a build swaps both in).
require('../dist/bundle/start.cjs').start(process.argv.slice(2));
