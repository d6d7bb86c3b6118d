// Group by output: targets whose output is identical form one group, largest first, and every
// other group is shown as a line diff against the largest (usually the "normal" answer).
import { diffLines } from 'diff';

export interface OutputSample {
  instanceId: string;
  output: string;
  /** The output kept is only the first part of what the script printed. */
  truncated?: boolean;
}

export interface OutputGroup {
  output: string;
  instanceIds: string[];
  /** Some member's output was cut short, so "identical" means identical as far as it is kept. */
  truncated: boolean;
}

/** Groups by identical output; the largest group first, ties broken by output text. */
export function groupByOutput(samples: readonly OutputSample[]): OutputGroup[] {
  const groups = new Map<string, OutputGroup>();
  for (const sample of samples) {
    const group = groups.get(sample.output);
    if (group) {
      group.instanceIds.push(sample.instanceId);
      group.truncated ||= sample.truncated === true;
    } else {
      groups.set(sample.output, {
        output: sample.output,
        instanceIds: [sample.instanceId],
        truncated: sample.truncated === true,
      });
    }
  }
  return [...groups.values()].sort(
    (a, b) => b.instanceIds.length - a.instanceIds.length || a.output.localeCompare(b.output),
  );
}

export type DiffKind = 'same' | 'added' | 'removed';

export interface DiffPart {
  kind: DiffKind;
  text: string;
}

/** How `other` differs from `base`, line by line; adjacent parts of one kind are merged. */
export function outputDiff(base: string, other: string): DiffPart[] {
  const parts: DiffPart[] = [];
  for (const change of diffLines(base, other)) {
    const kind: DiffKind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    const last = parts.at(-1);
    if (last?.kind === kind) last.text += change.value;
    else parts.push({ kind, text: change.value });
  }
  return parts;
}

/** Lines added and removed by a diff, for a one-line summary. */
export function diffStat(parts: readonly DiffPart[]): { added: number; removed: number } {
  const lines = (text: string): number =>
    text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).length;
  let added = 0;
  let removed = 0;
  for (const part of parts) {
    if (part.kind === 'added') added += lines(part.text);
    if (part.kind === 'removed') removed += lines(part.text);
  }
  return { added, removed };
}

export interface GroupSummary {
  output: string;
  count: number;
  /** The first few members, to link to their output. */
  instanceIds: string[];
  truncated: boolean;
  /** How the group's output differs from the largest group's; absent for the largest itself. */
  diff?: DiffPart[];
  stat?: { added: number; removed: number };
}

export interface GroupsView {
  groups: GroupSummary[];
  /** Groups left out after `limit`, and the targets in them. */
  moreGroups: number;
  moreTargets: number;
}

/** The groups a page shows: at most `limit` groups, each diffed against the largest. */
export function groupsView(
  samples: readonly OutputSample[],
  limits: { groups: number; members: number },
): GroupsView {
  const all = groupByOutput(samples);
  const shown = all.slice(0, limits.groups);
  const base = shown[0]?.output ?? '';
  const groups = shown.map((group, index): GroupSummary => {
    const summary: GroupSummary = {
      output: group.output,
      count: group.instanceIds.length,
      instanceIds: group.instanceIds.slice(0, limits.members),
      truncated: group.truncated,
    };
    if (index === 0) return summary;
    const diff = outputDiff(base, group.output);
    return { ...summary, diff, stat: diffStat(diff) };
  });
  const rest = all.slice(limits.groups);
  return {
    groups,
    moreGroups: rest.length,
    moreTargets: rest.reduce((sum, group) => sum + group.instanceIds.length, 0),
  };
}
