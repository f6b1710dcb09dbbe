#!/usr/bin/env node
// Shebang shim: everything lives in the compiled CLI module (run `npm run build` first).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2));
