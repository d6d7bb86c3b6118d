import { describe, expect, it } from 'vitest';
import { chartSvg, escapeXml, niceCeiling } from './chart.js';

describe('niceCeiling', () => {
  it.each<[number, number]>([
    [0, 1],
    [0.3, 0.5],
    [7, 10],
    [101, 200],
    [240, 250],
    [877, 1000],
    [1000, 1000],
  ])('of %d is %d', (value, expected) => {
    expect(niceCeiling(value)).toBeCloseTo(expected, 9);
  });
});

describe('chartSvg', () => {
  const svg = chartSvg({
    latency: [
      { label: 'light <operator>', p50: 120, p90: 200, p99: 350 },
      { label: 'busy', p50: 250, p90: 700, p99: 900 },
    ],
    latencyBars: { p50: 100, p99: 500 },
    calls: [{ label: '1/1', measured: 14, previous: 3 }],
  });

  it('is one SVG document with a bar per percentile and series', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // background + 6 latency bars + 2 legend keys + 2 call bars + 2 legend keys
    expect(svg.match(/<rect /g)).toHaveLength(13);
  });

  it('escapes labels', () => {
    expect(svg).toContain('light &lt;operator&gt;');
    expect(escapeXml('a & "b"')).toBe('a &amp; &quot;b&quot;');
  });
});
