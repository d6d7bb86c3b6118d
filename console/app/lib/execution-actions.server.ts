// The detail page's actions on the console server, as the user: approve (of the version the page
// showed), cancel, and the two re-runs, built from the execution as stored now.
import { json, redirect } from '@remix-run/server-runtime';
import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { replyMessage, type Kube, type KubeReply } from './actions.server.js';
import { POSTED_ACTIONS, type PostedAction } from './execution-actions.js';
import { executionHref, PCM } from './links.js';
import { rerunExecution, rerunFailedExecution } from './rerun.js';

export const isPostedAction = (intent: unknown): intent is PostedAction =>
  (POSTED_ACTIONS as readonly unknown[]).includes(intent);

interface Subject {
  execution: ScriptExecution;
  batches: ExecutionBatch[];
  /** The resourceVersion the page was showing when the button was pressed. */
  seen: string;
  /** Where the page is, to come back to after approve or cancel. */
  back: string;
}

const problem = (reply: KubeReply): Response =>
  json({ actionProblem: replyMessage(reply) }, { status: reply.status || 502 });

function patchOf(intent: 'approve' | 'cancel', seen: string): Record<string, unknown> {
  // Approval is of what the person saw: the patch names that version, so a spec changed since is
  // a conflict to reload, not an approval of something unseen. Cancel applies to any version.
  return intent === 'approve'
    ? { metadata: { resourceVersion: seen }, spec: { suspend: false } }
    : { spec: { cancel: true } };
}

export async function executionAction(
  intent: PostedAction,
  kube: Kube,
  subject: Subject,
): Promise<Response> {
  const { namespace = '', name = '' } = subject.execution.metadata;
  const collection = `${PCM}/namespaces/${namespace}/scriptexecutions`;
  if (intent === 'approve' || intent === 'cancel') {
    const reply = await kube('PATCH', `${collection}/${name}`, patchOf(intent, subject.seen));
    return reply.ok ? redirect(subject.back) : problem(reply);
  }
  const manifest =
    intent === 'rerun'
      ? rerunExecution(subject.execution)
      : rerunFailedExecution(subject.execution, subject.batches);
  if (!manifest) {
    return json({ actionProblem: 'no target failed or timed out: nothing to re-run' }, 409);
  }
  const reply = await kube('POST', collection, manifest);
  if (!reply.ok) return problem(reply);
  return redirect(executionHref(namespace, (reply.body as ScriptExecution).metadata.name ?? ''));
}
