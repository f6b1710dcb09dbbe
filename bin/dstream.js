#!/usr/bin/env node
// Shebang shim: the CLI is one bundled CommonJS file, dist/bundle/main.cjs (made by `npm run build`),
// started with V8's code cache by dist/cli/start.cjs (src/cli/start.cts).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../dist/cli/start.cjs').start(process.argv.slice(2));
