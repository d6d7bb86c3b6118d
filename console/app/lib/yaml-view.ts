// What the YAML view shows of an object: what `kubectl get -o yaml` would, minus managedFields and
// the last-applied copy, with anything that looks like a secret value replaced. PCM-Ops objects only
// ever reference Secrets by name, but the view does not rely on that.
import { stringify } from 'yaml';

export const REDACTED = '<redacted>';

/** Keys whose values are secret wherever they appear; names of keys (…Key) and refs stay. */
const SECRET_KEY =
  /^(data|stringData|password|passwd|token|secret|secretAccessKey|sessionToken|privateKey|apiKey|clientSecret)$/i;
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEY.test(key) ? REDACTED : redact(item),
    ]),
  );
}

function withoutNoise(metadata: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...metadata };
  delete rest.managedFields;
  if (!isRecord(rest.annotations)) return rest;
  const annotations = Object.fromEntries(
    Object.entries(rest.annotations).filter(([key]) => !DROPPED_ANNOTATIONS.includes(key)),
  );
  return Object.keys(annotations).length > 0
    ? { ...rest, annotations }
    : { ...rest, annotations: undefined };
}

/** The object as shown: no managedFields, no last-applied copy, secret-looking values redacted. */
export function viewObject(object: unknown): unknown {
  if (!isRecord(object)) return object;
  const metadata = isRecord(object.metadata) ? withoutNoise(object.metadata) : object.metadata;
  return redact({ ...object, metadata });
}

export function objectYaml(object: unknown): string {
  return stringify(viewObject(object), { lineWidth: 0 });
}
