// Installs the npm dependencies when node_modules is missing or older than package-lock.json, so
// `npm test` and `npm run demo` work on a fresh clone. The control plane binaries and the AWS
// emulator's virtualenv are built on first use by tests/infra and cached outside the repository.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..');
const stamp = path.join(root, 'node_modules', '.pcm-ops-lock-hash');
const lock = readFileSync(path.join(root, 'package-lock.json'));
const hash = createHash('sha256').update(lock).digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== hash) {
  console.log('[bootstrap] installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, hash);
}
