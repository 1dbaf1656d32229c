// Parses lago-webhooks' AsyncAPI export with AsyncAPI's own parser (its validation and
// its ruleset): `node parse.mjs FILE`. Prints every diagnostic of severity error and a
// summary line; exits with 1 when there is an error or no document.
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(await readFile(file, 'utf8'), { source: file });
// DiagnosticSeverity: 0 error, 1 warning, 2 information, 3 hint.
const errors = diagnostics.filter((d) => d.severity === 0);
for (const error of errors) {
  console.log(`error ${error.code}: ${error.message} at /${error.path.join('/')}`);
}
const warnings = diagnostics.filter((d) => d.severity === 1);
for (const warning of warnings) {
  console.log(`warning ${warning.code}: ${warning.message} at /${warning.path.join('/')}`);
}
const messages = document ? document.allMessages().length : 0;
console.log(`${messages} messages; ${errors.length} errors; ${warnings.length} warnings`);
process.exit(document && errors.length === 0 ? 0 : 1);
