export const CHANGE_LABEL = 'pcm-ops.io/change-ref';

/**
 * A change reference as a label value, so history can be filtered with a label selector
 * (`kubectl get se -l pcm-ops.io/change-ref=CHG0012345`). Label values allow 63 characters of
 * letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
 */
export function changeLabelValue(changeRef: string | undefined): string | undefined {
  if (!changeRef) return undefined;
  const value = changeRef
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return value || undefined;
}
