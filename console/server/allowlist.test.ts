import { describe, expect, it } from 'vitest';
import { decide, queryProblem } from './allowlist.js';

const PCM = '/apis/pcm-ops.io/v1alpha1';

describe('decide', () => {
  it.each([
    ['GET', `${PCM}/scriptexecutions`, 'pcm-list'],
    ['GET', `${PCM}/namespaces/team-a/scripts`, 'pcm-collection'],
    ['POST', `${PCM}/namespaces/team-a/scriptexecutions`, 'pcm-collection'],
    ['GET', `${PCM}/namespaces/team-a/cloudcredentials/prod`, 'pcm-object'],
    ['PUT', `${PCM}/namespaces/team-a/scripts/patch-precheck`, 'pcm-object'],
    ['PATCH', `${PCM}/namespaces/team-a/scriptexecutions/run-1`, 'pcm-object'],
    ['DELETE', `${PCM}/namespaces/team-a/scriptexecutions/run-1`, 'pcm-object'],
    ['GET', `${PCM}/namespaces/team-a/executionbatches/run-1-0.b`, 'pcm-object'],
    ['GET', `${PCM}/namespaces/team-a/executionbatches`, 'pcm-collection'],
    ['GET', `${PCM}/executionbatches`, 'pcm-list'],
    ['GET', `${PCM}/namespaces/team-a/executionbatches/run-1-0.b/status`, 'pcm-status'],
    ['PATCH', `${PCM}/namespaces/team-a/scriptexecutions/executionbatches`, 'pcm-object'],
    ['GET', `${PCM}/namespaces/team-a/scriptexecutions/run-1/status`, 'pcm-status'],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 'access-review'],
    ['GET', '/api/v1/namespaces', 'namespace-list'],
    ['POST', '/api/v1/namespaces/team-a/secrets', 'secret-create'],
    ['get', `${PCM}/scripts`, 'pcm-list'],
  ])('allows %s %s as %s', (method, path, route) => {
    expect(decide(method, path)).toEqual({ allowed: true, route, path });
  });

  it.each([
    ['GET', '/api/v1/secrets'],
    ['GET', '/api/v1/namespaces/x/secrets'],
    ['GET', '/api/v1/namespaces/x/secrets/y'],
    ['DELETE', '/api/v1/namespaces/x/secrets/y'],
    ['PATCH', '/api/v1/namespaces/x/secrets/y'],
    ['PUT', '/api/v1/namespaces/x/secrets/y'],
    ['DELETE', '/api/v1/namespaces/x/secrets'],
    ['POST', '/api/v1/namespaces/x/secrets/y'],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles'],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'],
    ['GET', '/api/v1/pods'],
    ['GET', '/api/v1/namespaces/x/pods/p/exec'],
    ['GET', '/api/v1/namespaces/x'],
    ['DELETE', '/api/v1/namespaces/x'],
    ['POST', '/api/v1/namespaces'],
    ['GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'],
    ['POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews'],
    ['GET', '/apis/pcm-ops.io/v1alpha1/../../api/v1/secrets'],
    ['GET', '/apis/pcm-ops.io/v1alpha1/%2e%2e/%2e%2e/api/v1/secrets'],
    ['GET', '/apis/pcm-ops.io/v1alpha1/%2E%2E/%2E%2E/api/v1/secrets'],
    ['GET', '/apis/pcm-ops.io/v1alpha1/namespaces/x/scripts/%2fsecrets'],
    ['GET', '/apis/pcm-ops.io/v1alpha1/namespaces/x/scripts/..'],
    ['GET', '/apis/pcm-ops.io/v1alpha1/./scripts'],
    ['GET', '//api/v1/secrets'],
    ['GET', '/apis/pcm-ops.io/v1alpha1//api/v1/secrets'],
    ['GET', '/api/v1/namespaces//secrets'],
    ['POST', '/api/v1/namespaces/x/secrets/'],
    ['GET', '/apis/pcm-ops.io/v1alpha1/namespaces/x/scripts\\..\\..'],
    ['GET', 'api/v1/namespaces'],
    ['GET', ''],
    ['GET', `${PCM}`],
    ['GET', `${PCM}/pods`],
    ['GET', `${PCM}/namespaces/x/configmaps`],
    ['GET', `${PCM}/namespaces/Not_A_Namespace/scripts`],
    ['GET', `${PCM}/namespaces/x/scripts/UPPER`],
    ['POST', `${PCM}/scriptexecutions`],
    ['DELETE', `${PCM}/namespaces/x/scriptexecutions`],
    ['PUT', `${PCM}/namespaces/x/scriptexecutions/run-1/status`],
    ['PATCH', `${PCM}/namespaces/x/scriptexecutions/run-1/status`],
    ['GET', `${PCM}/namespaces/x/scriptexecutions/run-1/scale`],
    ['GET', `${PCM}/namespaces/x/scriptexecutions/run-1/status/extra`],
    ['GET', '/apis/pcm-ops.io/v1beta1/scripts'],
    ['OPTIONS', `${PCM}/scripts`],
    ['HEAD', `${PCM}/scripts`],
    ['CONNECT', `${PCM}/scripts`],
    ['POST', `${PCM}/namespaces/x/executionbatches`],
    ['PUT', `${PCM}/namespaces/x/executionbatches/run-1-0.b`],
    ['PATCH', `${PCM}/namespaces/x/executionbatches/run-1-0.b`],
    ['DELETE', `${PCM}/namespaces/x/executionbatches/run-1-0.b`],
  ])('refuses %s %s', (method, path) => {
    const decision = decide(method, path);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.reason).toMatch(/\w/);
  });

  it('names why a Secret read is refused', () => {
    expect(decide('GET', '/api/v1/namespaces/x/secrets/y')).toEqual({
      allowed: false,
      reason: 'Secrets can only be created, never read, changed or deleted',
    });
  });
});

describe('queryProblem', () => {
  it.each([
    ['labelSelector=a%3Db&limit=50', undefined],
    ['continue=abc&resourceVersion=12', undefined],
    ['', undefined],
    ['watch=true', 'query parameter watch is not proxied'],
    ['limit=1&pretty=true', 'query parameter pretty is not proxied'],
  ])('for %j says %j', (query, problem) => {
    expect(queryProblem(new URLSearchParams(query))).toBe(problem);
  });
});
