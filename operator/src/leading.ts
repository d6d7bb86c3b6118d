/**
 * What a newly elected operator does before it reconciles anything: it starts every informer and
 * starts its workers only once all of them have synced, so no decision is taken on a half-filled
 * cache (a credential missing from a cache still listing would read as "not found").
 */
export interface LeadingParts {
  informers: readonly { start(): Promise<void> }[];
  workers: { start(): void };
  /** Leadership can be lost while the caches sync; then the workers never start. */
  stillLeading: () => boolean;
}

/** True once the workers run. */
export async function startLeading(parts: LeadingParts): Promise<boolean> {
  await Promise.all(parts.informers.map((informer) => informer.start()));
  if (!parts.stillLeading()) return false;
  parts.workers.start();
  return true;
}
