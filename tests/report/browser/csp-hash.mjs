// The pages' Content-Security-Policy admits only their own script, by its SHA-256 hash, so that an
// inline event handler (onerror=...) could never run even if markup from the data got in. After
// editing a template's script, write the new hash into its policy:
//   node csp-hash.mjs --write [TEMPLATE.html ...]     (default: both templates)
//   node csp-hash.mjs --check [TEMPLATE.html ...]     (exit 1 when a policy does not match its script)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const assets = join(here, '../../../src/report/assets');

export function scriptHash(html) {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
  if (scripts.length !== 1) throw new Error(`expected exactly one executable <script> element, found ${scripts.length}`);
  return `'sha256-${createHash('sha256').update(scripts[0][1], 'utf8').digest('base64')}'`;
}
const POLICY = /(<meta http-equiv="Content-Security-Policy" content="[^"]*script-src )'sha256-[A-Za-z0-9+/=]+'/;

export function checkFile(file) {
  const html = readFileSync(file, 'utf8');
  const m = html.match(POLICY);
  if (!m) return `${file}: no script-src 'sha256-...' in its Content-Security-Policy`;
  const want = scriptHash(html);
  return html.includes(`script-src ${want}`) ? null : `${file}: its policy's hash is not its script's (${want}); run node csp-hash.mjs --write`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  const files = process.argv.slice(3).length ? process.argv.slice(3) : [join(assets, 'report.html'), join(assets, 'runs.html')];
  if (mode !== '--write' && mode !== '--check') { console.error('usage: node csp-hash.mjs --write|--check [TEMPLATE.html ...]'); process.exit(2); }
  let bad = 0;
  for (const file of files) {
    if (mode === '--write') {
      const html = readFileSync(file, 'utf8');
      if (!POLICY.test(html)) { console.error(`${file}: no script-src 'sha256-...' to replace`); bad++; continue; }
      const next = html.replace(POLICY, `$1${scriptHash(html)}`);
      if (next !== html) writeFileSync(file, next);
      console.log(`${file}: ${scriptHash(html)}${next === html ? ' (unchanged)' : ''}`);
    } else {
      const problem = checkFile(file);
      if (problem) { console.error(problem); bad++; } else console.log(`${file}: policy matches its script`);
    }
  }
  process.exit(bad ? 1 : 0);
}
