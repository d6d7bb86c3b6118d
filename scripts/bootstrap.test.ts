import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installed } from './bootstrap.mjs';

const root = path.join(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const pkg = (version: string, extra: object = {}) => ({
  version,
  integrity: `sha512-${version}`,
  ...extra,
});

describe('the bootstrap’s check of node_modules', () => {
  it('counts a plain `npm ci` as installed: npm’s own record of it agrees with the lockfile', () => {
    const hidden = JSON.parse(
      readFileSync(path.join(root, 'node_modules', '.package-lock.json'), 'utf8'),
    );
    expect(installed(lock, hidden)).toBe(true);
  });

  it('installs when node_modules is missing, or npm never finished writing it', () => {
    expect(installed(lock, undefined)).toBe(false);
  });

  it('installs when the lockfile moved a package to another version', () => {
    const wanted = { packages: { '': {}, 'node_modules/koa': pkg('3.1.0') } };
    expect(installed(wanted, { packages: { 'node_modules/koa': pkg('3.0.0') } })).toBe(false);
  });

  it('installs when the lockfile names a package node_modules lacks, unless it is for another platform', () => {
    const wanted = {
      packages: {
        '': {},
        'node_modules/koa': pkg('3.1.0'),
        'node_modules/@esbuild/darwin-arm64': pkg('0.25.0', { optional: true }),
      },
    };
    expect(installed(wanted, { packages: { 'node_modules/koa': pkg('3.1.0') } })).toBe(true);
    expect(installed(wanted, { packages: {} })).toBe(false);
  });

  it('installs when node_modules holds a package the lockfile no longer names', () => {
    const wanted = { packages: { '': {}, 'node_modules/koa': pkg('3.1.0') } };
    const hidden = {
      packages: { 'node_modules/koa': pkg('3.1.0'), 'node_modules/left-pad': pkg('1.3.0') },
    };
    expect(installed(wanted, hidden)).toBe(false);
  });
});
