import { PROVIDERS } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import { SECTIONS, sectionOf } from './sections.js';

describe('provider sections', () => {
  it('has one section for every provider a credential may name', () => {
    expect(SECTIONS.map((section) => section.name).sort()).toEqual([...PROVIDERS].sort());
  });

  it.each(SECTIONS.map((section) => [section.name, section] as const))(
    'keeps the links of %s under its own path',
    (name, section) => {
      expect(section.links.length).toBeGreaterThan(0);
      for (const link of section.links) expect(link.to.startsWith(`/${name}/`)).toBe(true);
    },
  );

  it.each([
    ['ssh', 'SSH'],
    ['aws', 'AWS'],
    [undefined, 'AWS'],
  ])('finds the section of provider %s', (provider, label) => {
    expect(sectionOf(provider)?.label).toBe(label);
  });
});
