// What the operator's memory is made of before it does any work: fresh Node.js processes that only
// load modules (the dependencies, then the operator's own code, compiled or through tsx) and report
// their RSS and live heap after a full garbage collection.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.join(import.meta.dirname, '..', '..');

export interface ModuleFootprint {
  loaded: string;
  rss: number;
  heapUsed: number;
}

const PROBE = `
for (const specifier of JSON.parse(process.env.BENCH_IMPORTS)) await import(specifier);
for (let i = 0; i < 3; i += 1) globalThis.gc();
await new Promise((resolve) => setTimeout(resolve, 500));
globalThis.gc();
const { rss, heapUsed } = process.memoryUsage();
console.log(JSON.stringify({ rss, heapUsed }));
`;

async function footprint(
  loaded: string,
  imports: string[],
  flags: string[] = [],
): Promise<ModuleFootprint> {
  const { stdout } = await run(
    process.execPath,
    [...flags, '--expose-gc', '--input-type=module', '-e', PROBE],
    { cwd: repoRoot, env: { ...process.env, BENCH_IMPORTS: JSON.stringify(imports) } },
  );
  const { rss, heapUsed } = JSON.parse(stdout.trim().split('\n').pop()!) as ModuleFootprint;
  return { loaded, rss, heapUsed };
}

const AWS_SDK = [
  '@aws-sdk/client-ec2',
  '@aws-sdk/client-ssm',
  '@aws-sdk/client-sts',
  '@aws-sdk/client-organizations',
  '@aws-sdk/credential-providers',
];
const OTHERS = ['@kubernetes/client-node', 'prom-client', 'pino', 'zod'];

/** Footprints of growing sets of modules; `compiledManager` is the compiled operator's manager.js. */
export async function moduleFootprints(compiledManager: string): Promise<ModuleFootprint[]> {
  const tsxManager = pathToFileURL(path.join(repoRoot, 'operator', 'src', 'manager.ts')).href;
  return [
    await footprint('Node.js alone', []),
    await footprint('+ the AWS SDK clients', AWS_SDK),
    await footprint('+ client-node, prom-client, pino, zod', [...AWS_SDK, ...OTHERS]),
    await footprint('+ the operator, compiled', [pathToFileURL(compiledManager).href]),
    await footprint(
      '+ the operator, through tsx',
      [tsxManager],
      ['--conditions=source', '--import', 'tsx'],
    ),
  ];
}
