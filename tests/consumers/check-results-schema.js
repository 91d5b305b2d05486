#!/usr/bin/env node
// Validates results.json files against docs/results.schema.json with Ajv:
//   node check-results-schema.js SCHEMA FILE…   (exit 1 and the errors when one does not fit)
'use strict';
const fs = require('fs');
const Ajv = require('ajv');

const [schemaFile, ...files] = process.argv.slice(2);
if (!schemaFile || files.length === 0) {
  console.error('usage: check-results-schema.js SCHEMA FILE…');
  process.exit(2);
}
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
let bad = 0;
for (const file of files) {
  if (validate(JSON.parse(fs.readFileSync(file, 'utf8')))) {
    console.log(`${file}: valid`);
  } else {
    bad++;
    console.error(`${file}:\n${JSON.stringify(validate.errors, null, 2)}`);
  }
}
process.exit(bad ? 1 : 0);
