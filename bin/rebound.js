#!/usr/bin/env node
'use strict';
require('../dist/src/cli/index.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
