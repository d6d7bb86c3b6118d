import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface ResourceAccess {
  namespace: string;
  resource: 'scriptexecutions' | 'cloudcredentials';
  name: string;
  verb: 'get';
}

export type AccessDecision =
  { allowed: true; user: string } | { allowed: false; status: 401 | 403; message: string };

/**
 * Kubernetes decides who may read what: the caller's bearer token is checked with a TokenReview,
 * and the request with a SubjectAccessReview for that user, as if the caller asked the API server.
 */
export class KubernetesAccess {
  private readonly authn: AuthenticationV1Api;
  private readonly authz: AuthorizationV1Api;

  constructor(config: KubeConfig) {
    this.authn = config.makeApiClient(AuthenticationV1Api);
    this.authz = config.makeApiClient(AuthorizationV1Api);
  }

  async check(authorization: string | undefined, access: ResourceAccess): Promise<AccessDecision> {
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { allowed: false, status: 401, message: 'a bearer token is required' };
    const user = await this.authenticate(token);
    if (!user) return { allowed: false, status: 401, message: 'the token was not accepted' };
    const decision = await this.authz.createSubjectAccessReview({
      body: { spec: { ...user, resourceAttributes: { group: 'pcm-ops.io', ...access } } },
    });
    if (decision.status?.allowed) return { allowed: true, user: user.user };
    return {
      allowed: false,
      status: 403,
      message: `${user.user} may not ${access.verb} ${access.resource} "${access.name}" in namespace "${access.namespace}"`,
    };
  }

  private async authenticate(token: string): Promise<Reviewer | undefined> {
    const review = await this.authn.createTokenReview({ body: { spec: { token } } });
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) return undefined;
    return { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra };
  }
}

interface Reviewer {
  user: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}
