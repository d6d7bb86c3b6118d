import { describe, expect, it } from 'vitest';
import { sameConditions, setCondition, setConditions } from './conditions.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('setCondition', () => {
  it('adds a condition with the generation and the time', () => {
    const out = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'Validated', message: 'ok' },
      { generation: 3, now: t0 },
    );
    expect(out).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Validated',
        message: 'ok',
        observedGeneration: 3,
        lastTransitionTime: t0.toISOString(),
      },
    ]);
  });

  it('keeps lastTransitionTime when only the reason or message changes', () => {
    const first = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'SecretNotFound', message: 'a' },
      { generation: 1, now: t0 },
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'AccessDenied', message: 'b' },
      { generation: 2, now: t1 },
    );
    expect(second[0]).toMatchObject({
      reason: 'AccessDenied',
      observedGeneration: 2,
      lastTransitionTime: t0.toISOString(),
    });
  });

  it('moves lastTransitionTime when the status flips', () => {
    const first = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'X', message: '' },
      { generation: 1, now: t0 },
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'Y', message: '' },
      { generation: 1, now: t1 },
    );
    expect(second[0]!.lastTransitionTime).toBe(t1.toISOString());
  });

  it('keeps other conditions and a stable order', () => {
    const out = setConditions(
      undefined,
      [
        { type: 'Validated', status: 'True', reason: 'A', message: '' },
        { type: 'Ready', status: 'True', reason: 'B', message: '' },
      ],
      { generation: 1, now: t0 },
    );
    expect(out.map((c) => c.type)).toEqual(['Ready', 'Validated']);
  });
});

describe('sameConditions', () => {
  it('ignores timestamps but not reasons', () => {
    const a = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'A', message: '' },
      { generation: 1, now: t0 },
    );
    const b = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'A', message: '' },
      { generation: 1, now: t1 },
    );
    const c = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'B', message: '' },
      { generation: 1, now: t1 },
    );
    expect(sameConditions(a, b)).toBe(true);
    expect(sameConditions(a, c)).toBe(false);
  });
});
