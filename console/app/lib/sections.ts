// The console's provider sections, one entry each: the navigation and the dashboard are built from
// this list. A new provider adds its entry here and its routes under /{name}/.
import type { ProviderName } from '@pcm-ops/crds';

export interface SectionLink {
  to: string;
  label: string;
  /** Active only on this exact path (a list whose children have links of their own). */
  end?: boolean;
}

export interface Section {
  /** The provider a CloudCredential names in spec.provider; the section's URLs start /{name}/. */
  name: ProviderName;
  label: string;
  /** What the section reaches, in a line, for the dashboard. */
  summary: string;
  links: readonly SectionLink[];
}

export const SECTIONS: readonly Section[] = [
  {
    name: 'aws',
    label: 'AWS',
    summary: 'EC2 instances and managed nodes in your accounts, through Systems Manager.',
    links: [
      { to: '/aws/executions', label: 'Executions', end: true },
      { to: '/aws/executions/new', label: 'New execution' },
      { to: '/aws/instances', label: 'Instances' },
      { to: '/aws/credentials', label: 'Credentials' },
      { to: '/aws/scripts', label: 'Scripts' },
    ],
  },
  {
    name: 'ssh',
    label: 'SSH',
    summary: 'Linux hosts of your inventories, over SSH with verified host keys.',
    links: [
      { to: '/ssh/executions/new', label: 'New execution' },
      { to: '/ssh/inventories', label: 'Inventories' },
      { to: '/ssh/credentials', label: 'Credentials' },
    ],
  },
];

/** The section of a provider, by the name a credential gives. */
export function sectionOf(provider: string | undefined): Section | undefined {
  return SECTIONS.find((section) => section.name === (provider ?? 'aws'));
}
