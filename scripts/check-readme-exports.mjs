// Every public export (as API Extractor reports it in packages/*/etc/*.api.md) must be named in its
// package's README, so the README documents exactly what a user can import.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
let missing = 0;
for (const name of readdirSync(path.join(root, 'packages'))) {
  const folder = path.join(root, 'packages', name);
  const report = path.join(folder, 'etc', `${name}.api.md`);
  if (!existsSync(report)) continue;
  const exported = [
    ...readFileSync(report, 'utf8').matchAll(
      /^export (?:declare )?(?:abstract )?(?:function|class|interface|type|const|enum|let) (\w+)/gm,
    ),
  ].map((match) => match[1]);
  const readme = readFileSync(path.join(folder, 'README.md'), 'utf8');
  const undocumented = [...new Set(exported)].filter((symbol) => !new RegExp(`\`[^\`]*\\b${symbol}\\b[^\`]*\``).test(readme));
  if (undocumented.length > 0) {
    missing += undocumented.length;
    console.log(`@holomind/${name}: exported but not in README.md: ${undocumented.join(', ')}`);
  }
}
if (missing > 0) {
  console.log('Document each export in the package README (its export table), or stop exporting it.');
  process.exitCode = 1;
} else console.log('readme-exports: every public export is documented in its package README');
