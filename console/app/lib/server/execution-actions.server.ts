// The detail page's actions on the console server, as the user: approve (of the version the page
// showed), cancel, and the two re-runs, built from the execution as stored now.
import { json, redirect } from '@remix-run/server-runtime';
import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { replyMessage, type Kube, type KubeReply } from './actions.server.js';
import { POSTED_ACTIONS, type PostedAction } from '../views/execution-actions.js';
import { writeSeen } from './delete.server.js';
import { executionHref, PCM } from '../links.js';
import { rerunExecution, rerunFailedExecution } from '../executions/rerun.js';

export const isPostedAction = (intent: unknown): intent is PostedAction =>
  (POSTED_ACTIONS as readonly unknown[]).includes(intent);

interface Subject {
  execution: ScriptExecution;
  batches: ExecutionBatch[];
  /** The posted form: which version of the execution the page showed when the button was pressed. */
  form: FormData;
  /** Where the page is, to come back to after approve or cancel. */
  back: string;
}

const problem = (reply: KubeReply): Response =>
  json({ actionProblem: replyMessage(reply) }, { status: reply.status || 502 });

/**
 * Approval is of what the person saw: a spec changed since is a conflict to reload, not an
 * approval of something unseen; status written meanwhile by the operator does not count.
 */
const approve = (kube: Kube, path: string, form: FormData): Promise<KubeReply> =>
  writeSeen<ScriptExecution>(kube, path, form, (current) =>
    kube('PATCH', path, {
      metadata: { resourceVersion: current.metadata.resourceVersion },
      spec: { suspend: false },
    }),
  );

/** Cancel applies to any version. */
const cancel = (kube: Kube, path: string): Promise<KubeReply> =>
  kube('PATCH', path, { spec: { cancel: true } });

/** A new execution like this one, of all its targets or of those that failed or timed out. */
async function rerun(
  intent: 'rerun' | 'rerunFailed',
  kube: Kube,
  subject: Subject,
  collection: string,
): Promise<Response> {
  const manifest =
    intent === 'rerun'
      ? rerunExecution(subject.execution)
      : rerunFailedExecution(subject.execution, subject.batches);
  if (!manifest) {
    return json({ actionProblem: 'no target failed or timed out: nothing to re-run' }, 409);
  }
  const reply = await kube('POST', collection, manifest);
  if (!reply.ok) return problem(reply);
  const created = (reply.body as ScriptExecution).metadata.name ?? '';
  return redirect(executionHref(subject.execution.metadata.namespace ?? '', created));
}

export async function executionAction(
  intent: PostedAction,
  kube: Kube,
  subject: Subject,
): Promise<Response> {
  const { namespace = '', name = '' } = subject.execution.metadata;
  const collection = `${PCM}/namespaces/${namespace}/scriptexecutions`;
  if (intent !== 'approve' && intent !== 'cancel') return rerun(intent, kube, subject, collection);
  const write = intent === 'approve' ? approve : cancel;
  const reply = await write(kube, `${collection}/${name}`, subject.form);
  return reply.ok ? redirect(subject.back) : problem(reply);
}
