/** Where AWS calls are made: one account and region, with the credentials that reach it. */
import type { AwsCredentialIdentity } from '@smithy/types';

export interface LocationSession {
  accountId: string;
  region: string;
  /** Name of the CloudCredential that reaches it. */
  credential: string;
  /** Never logged, never written to status. */
  credentials: AwsCredentialIdentity;
}
