#!/usr/bin/env node
// The `celeriac` command: the compiled CLI in dist/ (run `npm run build` in a checkout).
import '../dist/cli/run.js';
