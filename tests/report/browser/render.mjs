// Fills a report template with a JSON file, as the contract says the C++ side does (for fixtures
// only): the JSON text with every "<", ">", "&", U+2028 and U+2029 written as \uXXXX, in place of
// the one marker, nothing else substituted.
//   node render.mjs TEMPLATE.html DATA.json OUT.html [--marker NAME]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function embedJson(jsonText) {
  return jsonText.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function render(template, jsonText, marker) {
  const tag = `{{${marker}}}`;
  const parts = template.split(tag);
  if (parts.length !== 2) throw new Error(`the template must hold ${tag} exactly once (found ${parts.length - 1})`);
  JSON.parse(jsonText); // a fixture must be valid JSON
  return parts[0] + embedJson(jsonText) + parts[1];
}

export function renderFile(templatePath, dataPath, outPath, marker) {
  const template = readFileSync(templatePath, 'utf8');
  const data = readFileSync(dataPath, 'utf8');
  marker ??= template.includes('{{FAULTLINE_RUNS_DATA}}') ? 'FAULTLINE_RUNS_DATA' : 'FAULTLINE_REPORT_DATA';
  mkdirSync(dirname(resolve(outPath)), { recursive: true });
  writeFileSync(outPath, render(template, data, marker));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const m = args.indexOf('--marker');
  let marker;
  if (m >= 0) { marker = args[m + 1]; args.splice(m, 2); }
  if (args.length !== 3) {
    console.error('usage: node render.mjs TEMPLATE.html DATA.json OUT.html [--marker FAULTLINE_REPORT_DATA]');
    process.exit(2);
  }
  try { renderFile(args[0], args[1], args[2], marker); } catch (e) { console.error(`render.mjs: ${e.message}`); process.exit(1); }
}
