import { describe, expect, it } from 'vitest';
import { redactSecretResponse, secretValues } from './redact.js';

const plain = 'wJalrXUtnFEMI-K7MDENG';
const encoded = Buffer.from(plain).toString('base64');

describe('secretValues', () => {
  it.each([
    [{ stringData: { key: plain } }, [plain, encoded]],
    [{ data: { key: encoded } }, [plain, encoded]],
    [{ data: { empty: '' }, stringData: { n: 1 } }, []],
    [undefined, []],
    ['text', []],
  ])('of %j', (body, values) => {
    expect(secretValues(body).sort()).toEqual([...values].sort());
  });
});

describe('redactSecretResponse', () => {
  it('drops data and stringData and scrubs every copy of a value', () => {
    const response = {
      kind: 'Secret',
      metadata: { name: 's', annotations: { note: `was ${plain}`, other: encoded } },
      data: { key: encoded },
      stringData: { key: plain },
      type: 'Opaque',
    };
    const redacted = redactSecretResponse(JSON.stringify(response), [plain, encoded]);
    expect(redacted).toEqual({
      kind: 'Secret',
      metadata: { name: 's', annotations: { note: 'was [redacted]', other: '[redacted]' } },
      type: 'Opaque',
    });
  });

  it('scrubs a value the API server repeats in an error message', () => {
    const status = { kind: 'Status', reason: 'Invalid', message: `bad value "${plain}"` };
    const redacted = redactSecretResponse(JSON.stringify(status), [plain]);
    expect(JSON.stringify(redacted)).not.toContain(plain);
  });

  it('withholds a body that is not JSON', () => {
    expect(JSON.stringify(redactSecretResponse(`oops ${plain}`, [plain]))).not.toContain(plain);
  });
});
