// Keeps Secret values out of every response: the browser may create a Secret but never read one,
// not even the copy the API server echoes back on creation.
const REDACTED = '[redacted]';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringsOf(value: unknown): string[] {
  return isRecord(value) ? Object.values(value).filter((v) => typeof v === 'string') : [];
}

/** Every form a value of the Secret being created may take in a response: plain and base64. */
export function secretValues(requestBody: unknown): string[] {
  if (!isRecord(requestBody)) return [];
  const encoded = stringsOf(requestBody.data);
  const plain = stringsOf(requestBody.stringData);
  const all = [
    ...encoded,
    ...encoded.map((v) => Buffer.from(v, 'base64').toString('utf8')),
    ...plain,
    ...plain.map((v) => Buffer.from(v, 'utf8').toString('base64')),
  ];
  return [...new Set(all.filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
}

function scrub(value: unknown, secrets: string[]): unknown {
  if (typeof value === 'string') {
    return secrets.reduce((text, secret) => text.split(secret).join(REDACTED), value);
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (!isRecord(value)) return value;
  const entries = Object.entries(value)
    .filter(([key]) => key !== 'data' && key !== 'stringData')
    .map(([key, item]) => [key, scrub(item, secrets)]);
  return Object.fromEntries(entries);
}

/**
 * The API server's answer to a Secret creation, without `data`/`stringData` at any depth and with
 * every occurrence of a submitted value replaced; a body that is not JSON is withheld entirely.
 */
export function redactSecretResponse(body: string, secrets: string[]): unknown {
  try {
    return scrub(JSON.parse(body), secrets);
  } catch {
    return { message: 'the API server answered with a body that is not JSON; it was withheld' };
  }
}
