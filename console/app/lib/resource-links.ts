// Where each PCM-Ops resource lives in the console.
const segment = encodeURIComponent;

export const credentialHref = (namespace: string, name: string): string =>
  `/aws/credentials/${segment(namespace)}/${segment(name)}`;

export const scriptHref = (namespace: string, name: string): string =>
  `/aws/scripts/${segment(namespace)}/${segment(name)}`;

/** The YAML view of any PCM-Ops object. */
export const yamlHref = (plural: string, namespace: string, name: string): string =>
  `/yaml/${segment(plural)}/${segment(namespace)}/${segment(name)}`;
