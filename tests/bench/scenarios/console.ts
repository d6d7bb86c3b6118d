// Console: server-side render of the execution detail page at 10,000 targets, and how long a status
// change takes to show in a browser that has the page open.
//
// The execution and its 200 batches of 50 are written straight to the API server (no operator), as
// an operator would have left them midway through a run: 8,000 targets finished, 2,000 in
// progress, each invocation with a short output tail. The page is read through its stable marks
// only (the phase badge `[data-phase]` and the box score's `[data-count=…]`), so a new layout of
// the rest of the page does not break the scenario.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, VERSION } from '@pcm-ops/crds';
import type { Page } from 'playwright-core';
import {
  ensureConsoleBuild,
  launchChromium,
  loggedInPage,
  loginCookie,
  readerToken,
  startBenchConsole,
  timedGet,
} from '../console-browser.js';
import { onCleanup, progress, type BenchEnv } from '../env.js';
import { countOwnRequest } from '../kube.js';

const TARGETS = 10_000;
const BATCH = 50;
const FINISHED = 8_000;
const NAME = 'console-10k';
const EXECUTION_LABEL = 'pcm-ops.io/execution';
const PLAN_LABEL = 'pcm-ops.io/plan-generation';
/** The detail page's route, whose loader data the browser fetches again after each change. */
const ROUTE_ID = 'routes/aws.executions.$namespace.$name';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface ConsoleResult {
  targets: number;
  /** SSR of the execution detail page: one sample per request */
  ssr: { firstByteMs: number; totalMs: number; bytes: number }[];
  /** the page's loader data alone, as the browser fetches it again after each change */
  data: { totalMs: number; bytes: number }[];
  /** status patch sent → the open page shows it, one sample per change */
  changes: { what: 'phase' | 'box score'; ms: number }[];
}

function instanceId(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

function invocation(n: number): object {
  const done = n < FINISHED;
  return {
    instanceId: instanceId(n),
    status: done ? 'Success' : 'InProgress',
    statusDetails: done ? 'Success' : 'InProgress',
    ...(done ? { exitCode: 0, output: `patched ${instanceId(n)}\nok\n` } : {}),
    startedAt: '2026-01-01T00:00:00Z',
    ...(done ? { finishedAt: '2026-01-01T00:00:05Z' } : {}),
  };
}

async function writeFixture(api: CustomObjectsApi, namespace: string): Promise<void> {
  const base = { group: GROUP, version: VERSION, namespace };
  const se = (await api.createNamespacedCustomObject({
    ...base,
    plural: 'scriptexecutions',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'ScriptExecution',
      metadata: { name: NAME },
      spec: {
        script: { interpreter: 'bash', body: 'echo patched' },
        targets: [{ credentialRef: { name: 'fleet' }, tags: { Role: ['web'] } }],
      },
    },
  })) as { metadata: { uid: string; generation: number } };
  const batches = TARGETS / BATCH;
  for (let index = 0; index < batches; index += 1) {
    const ids = Array.from({ length: BATCH }, (_, i) => index * BATCH + i);
    const name = `${NAME}-${index}`;
    await api.createNamespacedCustomObject({
      ...base,
      plural: 'executionbatches',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'ExecutionBatch',
        metadata: {
          name,
          labels: { [EXECUTION_LABEL]: NAME, [PLAN_LABEL]: String(se.metadata.generation) },
          ownerReferences: [
            {
              apiVersion: `${GROUP}/${VERSION}`,
              kind: 'ScriptExecution',
              name: NAME,
              uid: se.metadata.uid,
              controller: true,
            },
          ],
        },
        spec: {
          executionName: NAME,
          index,
          target: '0',
          credential: 'fleet',
          accountId: String(100000000000 + (index % 60)),
          region: 'us-east-1',
          instanceIds: ids.map(instanceId),
        },
      },
    });
    const finished = ids.every((n) => n < FINISHED);
    await api.patchNamespacedCustomObjectStatus(
      {
        ...base,
        plural: 'executionbatches',
        name,
        body: {
          status: {
            phase: finished ? 'Finished' : 'Sent',
            commandId: `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`,
            sentAt: '2026-01-01T00:00:00Z',
            invocations: ids.map(invocation),
          },
        },
      },
      mergePatch,
    );
    countOwnRequest();
    countOwnRequest();
  }
  await patchExecution(api, namespace, {
    phase: 'Running',
    startTime: '2026-01-01T00:00:00Z',
    planGeneration: se.metadata.generation,
    counts: { total: TARGETS, succeeded: FINISHED, inProgress: TARGETS - FINISHED },
    progress: `${FINISHED}/${TARGETS}`,
    message: `${TARGETS} targets in ${batches} batches`,
  });
}

async function patchExecution(
  api: CustomObjectsApi,
  namespace: string,
  status: object,
): Promise<void> {
  countOwnRequest();
  await api.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'scriptexecutions',
      name: NAME,
      body: { status },
    },
    mergePatch,
  );
}

/**
 * Resolves with the browser's clock reading at the moment `selector` first shows `text` (at once if
 * it already does). The element is looked up afresh on every DOM change, since a re-render may
 * replace it.
 */
function whenShown(page: Page, selector: string, text: string): Promise<number> {
  // A string, not a function: the loader that runs the benchmark rewrites functions with helpers
  // that do not exist in the page.
  const script = `new Promise((resolve) => {
    const shown = () => document.querySelector(${JSON.stringify(selector)})?.textContent?.trim() === ${JSON.stringify(text)};
    if (shown()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (!shown()) return;
      observer.disconnect();
      resolve(Date.now());
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  })`;
  return page.evaluate(script) as Promise<number>;
}

async function timeChange(
  page: Page,
  change: { selector: string; text: string },
  write: () => Promise<void>,
): Promise<number> {
  const shown = whenShown(page, change.selector, change.text);
  const at = Date.now();
  await write();
  const seen = await Promise.race([
    shown,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`${change.selector} never showed ${change.text}`)), 30_000),
    ),
  ]);
  return seen - at;
}

async function measureChanges(
  page: Page,
  api: CustomObjectsApi,
  namespace: string,
  count: number,
): Promise<ConsoleResult['changes']> {
  const changes: ConsoleResult['changes'] = [];
  for (let i = 1; i <= count; i += 1) {
    if (i % 2 === 1) {
      const phase = i % 4 === 1 ? 'Pending' : 'Running';
      const ms = await timeChange(page, { selector: '[data-phase]', text: phase }, () =>
        patchExecution(api, namespace, { phase }),
      );
      changes.push({ what: 'phase', ms });
    } else {
      const succeeded = FINISHED + i;
      const ms = await timeChange(
        page,
        { selector: '[data-count=succeeded]', text: String(succeeded) },
        () => patchExecution(api, namespace, { counts: { succeeded } }),
      );
      changes.push({ what: 'box score', ms });
    }
    // let the page settle (its refetch of 200 batches) before the next change
    await page.waitForTimeout(300);
  }
  return changes;
}

export async function runConsole(
  env: BenchEnv,
  options: { requests: number; changes: number },
): Promise<ConsoleResult> {
  progress('console: building the pages if needed and writing a 10,000-target execution');
  await ensureConsoleBuild();
  const namespace = `bench-console-${Date.now().toString(36)}`;
  countOwnRequest();
  await env.core.createNamespace({ body: { metadata: { name: namespace } } });
  const api = env.admin.makeApiClient(CustomObjectsApi);
  await writeFixture(api, namespace);
  const token = await readerToken(env, namespace);
  const server = await startBenchConsole(env);
  const forgetServer = onCleanup('the console', () => server.close());
  const browser = await launchChromium();
  const forgetBrowser = onCleanup('chromium', () => browser.close());
  try {
    const url = `${server.origin}/aws/executions/${namespace}/${NAME}`;
    const cookie = await loginCookie(server.origin, token);
    progress(`console: ${options.requests} server-side renders of the execution page`);
    const ssr: ConsoleResult['ssr'] = [];
    await timedGet(url, cookie); // warm-up: module loading, first connections
    for (let i = 0; i < options.requests; i += 1) {
      const sample = await timedGet(url, cookie);
      if (sample.status !== 200) throw new Error(`execution page answered ${sample.status}`);
      ssr.push({ firstByteMs: sample.firstByteMs, totalMs: sample.totalMs, bytes: sample.bytes });
    }
    const data: ConsoleResult['data'] = [];
    const dataUrl = `${url}?_data=${encodeURIComponent(ROUTE_ID)}`;
    for (let i = 0; i < options.requests; i += 1) {
      const sample = await timedGet(dataUrl, cookie);
      if (sample.status !== 200) throw new Error(`execution page data answered ${sample.status}`);
      data.push({ totalMs: sample.totalMs, bytes: sample.bytes });
    }
    progress(`console: ${options.changes} status changes watched in a headless browser`);
    const page = await loggedInPage(browser, server.origin, token);
    await page.goto(url);
    await page.waitForSelector('[data-count=succeeded]');
    await page.waitForTimeout(1_000); // the live streams open after hydration
    const changes = await measureChanges(page, api, namespace, options.changes);
    return { targets: TARGETS, ssr, data, changes };
  } finally {
    forgetBrowser();
    forgetServer();
    await browser.close();
    await server.close();
  }
}
