// Runs jscpd over the TypeScript sources and fails on any repeated block that is not listed, with a
// reason, in .jscpd-allowed.json. jscpd's own ignore options take globs without reasons; this keeps
// every accepted repeat next to why it is accepted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const allowed = JSON.parse(readFileSync(path.join(root, '.jscpd-allowed.json'), 'utf8'));
const output = mkdtempSync(path.join(os.tmpdir(), 'holomind-jscpd-'));
try {
  execFileSync(
    path.join(root, 'node_modules/.bin/jscpd'),
    ['--config', path.join(root, '.jscpd.json'), '--output', output, '--silent', 'packages', 'apps', 'tools'],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const report = JSON.parse(readFileSync(path.join(output, 'jscpd-report.json'), 'utf8'));
  const matches = (file, pattern) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*/g, '\0')
        .replace(/\*/g, '[^/]*')
        .replace(/\0/g, '.*')}$`,
    ).test(file);
  const isAllowed = (clone) =>
    allowed.some(
      (entry) =>
        (matches(clone.firstFile.name, entry.first) && matches(clone.secondFile.name, entry.second)) ||
        (matches(clone.firstFile.name, entry.second) && matches(clone.secondFile.name, entry.first)),
    );
  const unexplained = report.duplicates.filter((clone) => !isAllowed(clone));
  const total = report.statistics.total;
  console.log(
    `copy-paste: ${report.duplicates.length} repeated blocks in ${total.sources} files (${total.duplicatedLines} lines), ` +
      `${report.duplicates.length - unexplained.length} allowed with a reason in .jscpd-allowed.json, ${unexplained.length} not allowed`,
  );
  for (const clone of unexplained) {
    const where = (side) => `${side.name}:${side.start}-${side.end}`;
    console.log(`  ${where(clone.firstFile)} repeats ${where(clone.secondFile)} (${clone.lines} lines)`);
  }
  if (unexplained.length > 0) {
    console.log('Move the shared logic into one place (a package-level helper, or @holomind/core across packages),');
    console.log('or, for true boilerplate, add the pair to .jscpd-allowed.json with the reason.');
    process.exitCode = 1;
  }
} finally {
  rmSync(output, { recursive: true, force: true });
}
