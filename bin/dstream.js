#!/usr/bin/env node
// Shebang shim: everything lives in the bundled CLI (dist/bundle/main.js, made by `npm run build`).
import { main } from '../dist/bundle/main.js';

main(process.argv.slice(2));
