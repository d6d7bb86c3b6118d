import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { objectYaml, REDACTED } from './yaml-view.js';

const credential = {
  apiVersion: 'pcm-ops.io/v1alpha1',
  kind: 'CloudCredential',
  metadata: {
    name: 'prod',
    namespace: 'ops',
    managedFields: [{ manager: 'kubectl', fieldsV1: {} }],
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}',
      team: 'platform',
    },
  },
  spec: {
    aws: {
      source: { secretRef: { name: 'prod-keys', secretAccessKeyKey: 'secretAccessKey' } },
    },
  },
};

describe('objectYaml', () => {
  it('drops managedFields and the last-applied copy, keeping the rest', () => {
    const shown = parse(objectYaml(credential)) as typeof credential;
    expect(shown.metadata).toEqual({
      name: 'prod',
      namespace: 'ops',
      annotations: { team: 'platform' },
    });
  });

  it('keeps Secret references: names of Secrets and of their keys are not secret', () => {
    const shown = parse(objectYaml(credential)) as typeof credential;
    expect(shown.spec).toEqual(credential.spec);
  });

  it.each([
    [{ data: { accessKeyId: 'QUtJQQ==' } }, 'data'],
    [{ stringData: { secretAccessKey: 'plain' } }, 'stringData'],
    [{ spec: { nested: [{ secretAccessKey: 'plain' }] } }, 'secretAccessKey'],
    [{ spec: { sessionToken: 'plain' } }, 'sessionToken'],
    [{ spec: { password: 'plain' } }, 'password'],
  ])('redacts %j wherever it is', (object, key) => {
    const text = objectYaml({ kind: 'X', metadata: { name: 'x' }, ...object });
    expect(text).not.toMatch(/QUtJQQ==|plain/);
    expect(text).toContain(`${key}: ${REDACTED}`);
  });
});
