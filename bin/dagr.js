#!/usr/bin/env node
'use strict';
// The `dagr` command: the bundled CLI (built by `npm run build`, which `npm ci` runs via prepare).
// dist/launch.js decides whether a big input is computed in a relaunched child, then loads dist/cli.js.
require('../dist/launch.js');
