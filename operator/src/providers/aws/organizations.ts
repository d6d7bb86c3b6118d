import { paginateListAccounts } from '@aws-sdk/client-organizations';
import type { OrganizationAccountView } from '../../domain/credential-status.js';
import { organizationsClient, type AwsCallObserver } from './clients.js';
import { classifyAwsError } from './errors.js';
import { fail, ok, type Result } from './failure.js';
import type { Session } from './sessions.js';

/** Every account of the organization the session's account manages (or belongs to). */
export async function listOrganizationAccounts(
  session: Session,
  options: { endpoint?: string; observe?: AwsCallObserver },
): Promise<Result<OrganizationAccountView[]>> {
  const client = organizationsClient({
    region: session.region,
    credentials: session.credentials,
    endpoint: options.endpoint,
    observe: options.observe,
  });
  try {
    const accounts: OrganizationAccountView[] = [];
    for await (const page of paginateListAccounts({ client, pageSize: 20 }, {})) {
      for (const account of page.Accounts ?? []) {
        accounts.push({
          id: account.Id!,
          name: account.Name,
          status: account.Status ?? account.State,
        });
      }
    }
    return ok(accounts);
  } catch (error) {
    const failure = classifyAwsError(error);
    return fail(
      failure.reason === 'AwsError' ? 'OrganizationListFailed' : failure.reason,
      `listing the organization's accounts (spec.organization) failed: ${failure.code}: ${failure.message}`,
      failure.transient,
    );
  } finally {
    client.destroy();
  }
}
