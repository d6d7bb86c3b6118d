// The report's chart, drawn as plain SVG: latency percentiles against the bars, and AWS calls per
// execution against the previous approach's (computed) on a log scale.

export interface ChartInput {
  latency: { label: string; p50: number; p90: number; p99: number }[];
  latencyBars: { p50: number; p99: number };
  calls: { label: string; measured: number; previous: number }[];
}

const WIDTH = 960;
const HEIGHT = 380;
const PANEL = { bottom: 300, height: 250 };
const COLORS = ['#3b6ea8', '#d9822b', '#7a7a7a'];
const BAR_COLOR = '#b22222';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function text(at: [number, number], content: string, style = 'font-size="10"'): string {
  return `<text x="${at[0].toFixed(1)}" y="${at[1].toFixed(1)}" ${style}>${escapeXml(content)}</text>`;
}

function rect(at: [number, number], size: { w: number; h: number }, fill: string): string {
  return `<rect x="${at[0].toFixed(1)}" y="${at[1].toFixed(1)}" width="${size.w.toFixed(1)}" height="${size.h.toFixed(1)}" fill="${fill}"/>`;
}

function line(from: [number, number], to: [number, number], style: string): string {
  return `<line x1="${from[0].toFixed(1)}" y1="${from[1].toFixed(1)}" x2="${to[0].toFixed(1)}" y2="${to[1].toFixed(1)}" ${style}/>`;
}

function title(left: number, content: string): string {
  return text([left, 30], content, 'font-size="14" font-weight="bold"');
}

function legend(left: number, labels: string[]): string[] {
  const top = PANEL.bottom + 40;
  return labels.flatMap((label, i) => [
    rect([left, top + i * 16 - 9], { w: 10, h: 10 }, COLORS[i]!),
    text([left + 14, top + i * 16], label, 'font-size="11"'),
  ]);
}

/** A horizontal grid line with its value at the left. */
function gridLine(left: number, width: number, at: { y: number; label: string }): string[] {
  return [
    line([left, at.y], [left + width, at.y], 'stroke="#e3e3e3"'),
    text([left - 6, at.y + 4], at.label, 'font-size="10" text-anchor="end"'),
  ];
}

function bar(x: number, top: number, width: number, color: string): string {
  return rect([x, top], { w: width, h: PANEL.bottom - top }, color);
}

/** A nice round axis maximum at or above `value`. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

function latencyPanel(input: ChartInput, left: number, width: number): string[] {
  const all = input.latency.flatMap((s) => [s.p50, s.p90, s.p99]);
  const top = niceCeiling(Math.max(...all, input.latencyBars.p99) * 1.05);
  const y = (ms: number): number => PANEL.bottom - (ms / top) * PANEL.height;
  const parts = [title(left, 'apply → first SendCommand (ms)')];
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (top / 4) * tick;
    parts.push(...gridLine(left, width, { y: y(value), label: String(Math.round(value)) }));
  }
  const groups = ['p50', 'p90', 'p99'] as const;
  const groupWidth = width / groups.length;
  const barWidth = (groupWidth * 0.7) / input.latency.length;
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + groupWidth * 0.15;
    input.latency.forEach((series, s) => {
      const x = x0 + s * barWidth;
      const value = series[group];
      parts.push(bar(x, y(value), barWidth - 2, COLORS[s]!));
      parts.push(
        text(
          [x + barWidth / 2 - 1, y(value) - 3],
          String(Math.round(value)),
          'font-size="10" text-anchor="middle"',
        ),
      );
    });
    const middle = x0 + (barWidth * input.latency.length) / 2;
    parts.push(text([middle, PANEL.bottom + 16], group, 'font-size="12" text-anchor="middle"'));
  });
  for (const [label, ms] of [
    ['p50 ≤', input.latencyBars.p50],
    ['p99 ≤', input.latencyBars.p99],
  ] as const) {
    parts.push(
      line([left, y(ms)], [left + width, y(ms)], `stroke="${BAR_COLOR}" stroke-dasharray="5,4"`),
    );
    parts.push(
      text([left + width + 4, y(ms) + 3], `${label} ${ms}`, `font-size="10" fill="${BAR_COLOR}"`),
    );
  }
  parts.push(
    ...legend(
      left + 8,
      input.latency.map((s) => s.label),
    ),
  );
  return parts;
}

function callsPanel(input: ChartInput, left: number, width: number): string[] {
  const most = Math.max(...input.calls.flatMap((c) => [c.measured, c.previous]), 10);
  const decades = Math.ceil(Math.log10(most));
  const y = (n: number): number =>
    PANEL.bottom - (Math.log10(Math.max(n, 1)) / decades) * PANEL.height;
  const parts = [title(left, 'AWS calls per execution (log scale)')];
  for (let d = 0; d <= decades; d += 1) {
    parts.push(
      ...gridLine(left, width, { y: y(10 ** d), label: (10 ** d).toLocaleString('en-US') }),
    );
  }
  const groupWidth = width / input.calls.length;
  const barWidth = groupWidth * 0.35;
  input.calls.forEach((c, i) => {
    const x0 = left + i * groupWidth + groupWidth * 0.15;
    parts.push(bar(x0, y(c.measured), barWidth - 1, COLORS[0]!));
    parts.push(bar(x0 + barWidth, y(c.previous), barWidth - 1, COLORS[1]!));
    parts.push(
      text([x0 + barWidth, PANEL.bottom + 14], c.label, 'font-size="9" text-anchor="middle"'),
    );
  });
  parts.push(
    text(
      [left + width, PANEL.bottom + 30],
      'targets / account+region pairs',
      'font-size="10" text-anchor="end"',
    ),
  );
  parts.push(...legend(left + 8, ['PCM-Ops (measured)', 'previous approach (computed)']));
  return parts;
}

export function chartSvg(input: ChartInput): string {
  const body = [
    rect([0, 0], { w: WIDTH, h: HEIGHT }, '#ffffff'),
    ...latencyPanel(input, 60, 320),
    ...callsPanel(input, 500, 440),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="PCM-Ops benchmark chart">`,
    ...body.map((part) => `  ${part}`),
    '</svg>',
    '',
  ].join('\n');
}
