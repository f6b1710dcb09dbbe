#!/usr/bin/env node
// Shebang shim (CommonJS: bin/package.json; an ES module here would start Node's ESM loader for
// nothing). The CLI is one bundled file, dist/bundle/main.cjs (made by `npm run build`), started
// with V8's code cache by dist/cli/start.cjs (src/cli/start.cts).
require('../dist/cli/start.cjs').start(process.argv.slice(2));
