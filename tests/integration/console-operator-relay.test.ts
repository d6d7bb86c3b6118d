// The console relays the operator's read API (full output, instance discovery) with the user's own
// token: the operator's RBAC check decides, and nothing but those two routes passes.
import { GROUP } from '@pcm-ops/crds';
import { beforeAll, describe, expect, it } from 'vitest';
import { login, send, startConsole, userToken, type ConsoleSession } from '../support/console.js';
import { execution, useOperator } from '../support/harness.js';

const h = useOperator('relay');
const ACCOUNT = '820000000002';
const REGION = 'eu-west-1';
let port: number;
let reader: ConsoleSession;
let stranger: ConsoleSession;
let target: string;

const outputPath = (instanceId: string): string =>
  `/operator/api/v1/namespaces/${h.namespace}/scriptexecutions/relayed/output?instanceId=${instanceId}`;

beforeAll(async () => {
  const fleet = await h.fleet({ accounts: [ACCOUNT], regions: [REGION], perRegion: 3 });
  target = fleet.group(ACCOUNT, REGION).linuxInstanceIds[0]!;
  await h.emulator.scriptOutcome({ instanceId: target, stdout: `relayed ${'y'.repeat(30_000)}` });
  port = (await startConsole({ operatorUrl: h.operator.apiUrl })).port;
  const read = { apiGroups: [GROUP], verbs: ['get', 'list', 'watch'] };
  reader = await login(
    port,
    await userToken(h.namespace, 'reader', [
      { ...read, resources: ['scriptexecutions', 'cloudcredentials'] },
    ]),
  );
  stranger = await login(
    port,
    await userToken(h.namespace, 'stranger', [{ ...read, resources: ['scripts'] }]),
  );
  await h.objects.create(execution('relayed', [ACCOUNT], [REGION]));
  await h.objects.waitFor('scriptexecutions', 'relayed', (o) => Boolean(o.status?.completionTime));
});

describe('operator relay', () => {
  it('returns the full output, the 24,000 characters SSM keeps, to a user who may read the execution', async () => {
    const response = await reader.request('GET', outputPath(target));
    expect(response.status).toBe(200);
    const body = response.json() as { stdout: string; instanceId: string };
    expect(body.instanceId).toBe(target);
    expect(body.stdout.startsWith('relayed ')).toBe(true);
    expect(body.stdout).toHaveLength(24_000);
  });

  it('lists the instances a credential reaches, with their SSM status', async () => {
    const path = `/operator/api/v1/namespaces/${h.namespace}/cloudcredentials/acct-${ACCOUNT}/instances?region=${REGION}&tag=Role=web`;
    const response = await reader.request('GET', path);
    expect(response.status).toBe(200);
    const body = response.json() as { accountId: string; instances: { instanceId: string }[] };
    expect(body.accountId).toBe(ACCOUNT);
    expect(body.instances.map((i) => i.instanceId)).toContain(target);
  });

  it("passes the operator's 403 through to a user whose RBAC does not allow reading executions", async () => {
    const response = await stranger.request('GET', outputPath(target));
    expect(response.status).toBe(403);
    expect(response.text).toContain('scriptexecutions');
  });

  it('refuses other paths, other methods, odd query parameters and requests without a session', async () => {
    const other = await reader.request('GET', '/operator/metrics');
    expect(other.status).toBe(403);
    const odd = await reader.request('GET', `${outputPath(target)}&watch=true`);
    expect(odd.status).toBe(403);
    expect(odd.json().message).toBe('query parameter "watch" is not accepted');
    const post = await reader.request('POST', outputPath(target), {});
    expect(post.status).toBe(405);
    const anonymous = await send(port, { method: 'GET', path: outputPath(target) });
    expect(anonymous.status).toBe(401);
  });
});
