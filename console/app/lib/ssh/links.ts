// Where the SSH section's pages live.
const segment = encodeURIComponent;

export const inventoryHref = (namespace: string, name: string): string =>
  `/ssh/inventories/${segment(namespace)}/${segment(name)}`;

export const sshCredentialsHref = (namespace: string): string =>
  `/ssh/credentials?namespace=${segment(namespace)}`;

/** The new-execution form over the hosts of one credential, by label. */
export const sshRunHref = (namespace: string): string =>
  `/ssh/executions/new?namespace=${segment(namespace)}`;
