// Types of the parts of bootstrap.mjs its tests call (the script itself is plain JavaScript so that
// it runs on whatever Node the machine has, before any dependency is installed).
interface Lockfile {
  packages?: Record<string, { version?: string; integrity?: string; optional?: boolean }>;
}
export function installed(lock: Lockfile, hidden: Lockfile | undefined): boolean;
export function ensureRuntime(version: string): string;
