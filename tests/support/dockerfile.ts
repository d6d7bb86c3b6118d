// Runs a Dockerfile's steps without a container engine, for the image tests: each stage gets a
// directory standing for its root filesystem, COPY copies from a clean checkout (the tracked files)
// or from an earlier stage, RUN runs in the stage's WORKDIR with its ENV, and the final stage's
// ENTRYPOINT (a `node` command) can then be started. The base images are not involved: the build
// uses this machine's Node.js and npm, as the node image would.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint?: string[];
}

export function instructions(dockerfile: string): Instruction[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Z]+ /.test(line))
    .map((line) => {
      const [op, ...rest] = line.split(' ');
      return { op: op!, args: rest.join(' ').trim() };
    });
}

function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries(
    args.split(/\s+/).map((pair) => {
      const [key, ...value] = pair.split('=');
      return [key!, value.join('=')];
    }),
  );
}

/** The files git tracks under `repoRoot`: what a clean clone holds. */
async function trackedFiles(repoRoot: string, source: string): Promise<string[]> {
  const { stdout } = await execFileAsync('git', ['ls-files', '--', source], { cwd: repoRoot });
  return stdout.split('\n').filter(Boolean);
}

interface Build {
  repoRoot: string;
  stages: Stage[];
  /** extra environment for RUN steps (for example npm's offline preference) */
  runEnv: NodeJS.ProcessEnv;
}

/** Docker's rules: a file lands in `dest/` (or becomes `dest`), a directory's contents in `dest`. */
async function copyFromContext(
  build: Build,
  stage: Stage,
  sources: string[],
  dest: string,
): Promise<void> {
  const target = path.join(stage.root, stage.workdir, dest);
  const destIsDir = dest.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    const files = await trackedFiles(build.repoRoot, source);
    if (files.length === 0) throw new Error(`COPY ${source}: not in the repository`);
    const isFile = files.length === 1 && files[0] === source;
    for (const file of files) {
      const into = !isFile
        ? path.join(target, path.relative(source, file))
        : destIsDir
          ? path.join(target, path.basename(file))
          : target;
      await mkdir(path.dirname(into), { recursive: true });
      await cp(path.join(build.repoRoot, file), into);
    }
  }
}

async function copyFromStage(
  build: Build,
  stage: Stage,
  from: string,
  args: string[],
): Promise<void> {
  const source = build.stages.find((s) => s.name === from);
  if (!source) throw new Error(`COPY --from=${from}: no such stage`);
  const [src, dest] = args as [string, string];
  const target = path.isAbsolute(dest) ? dest : path.join(stage.workdir, dest);
  await mkdir(path.dirname(path.join(stage.root, target)), { recursive: true });
  await cp(path.join(source.root, src), path.join(stage.root, target), {
    recursive: true,
    verbatimSymlinks: true,
  });
}

async function step(build: Build, stage: Stage, instruction: Instruction): Promise<void> {
  const { op, args } = instruction;
  if (op === 'WORKDIR') {
    stage.workdir = args;
    await mkdir(path.join(stage.root, args), { recursive: true });
  } else if (op === 'ENV') Object.assign(stage.env, parseEnv(args));
  else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
  else if (op === 'RUN') {
    await execFileAsync('sh', ['-c', args], {
      cwd: path.join(stage.root, stage.workdir),
      env: { ...process.env, ...build.runEnv, ...stage.env },
      maxBuffer: 64 << 20,
      timeout: 15 * 60_000,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      // tsc reports on stdout, npm on stderr.
      throw new Error(`RUN ${args}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
  } else if (op === 'COPY') {
    const words = args.split(/\s+/);
    const from = /^--from=(.+)$/.exec(words[0]!)?.[1];
    if (from) await copyFromStage(build, stage, from, words.slice(1));
    else await copyFromContext(build, stage, words.slice(0, -1), words.at(-1)!);
  }
  // FROM, USER and EXPOSE change nothing on disk.
}

/** Runs every stage of the Dockerfile; returns the final stage. */
export async function runDockerfile(
  repoRoot: string,
  dockerfile: string,
  runEnv: NodeJS.ProcessEnv = {},
): Promise<Stage> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-image-'));
  const build: Build = { repoRoot, stages: [], runEnv };
  for (const instruction of instructions(dockerfile)) {
    if (instruction.op === 'FROM') {
      const name = /\bAS (\S+)$/i.exec(instruction.args)?.[1] ?? `stage-${build.stages.length}`;
      const root = path.join(work, name);
      await mkdir(root, { recursive: true });
      build.stages.push({ name, root, workdir: '/', env: {} });
    } else await step(build, build.stages.at(-1)!, instruction);
  }
  return build.stages.at(-1)!;
}
