import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyForm, type ExecutionForm } from './execution-form.js';
import { executionFormData, executionFormFromData } from './execution-form-data.js';

/** What the action receives: the post as a browser encodes it, read back by the Fetch API. */
async function throughTheWire(data: FormData): Promise<FormData> {
  const entries = [...data.entries()].map(([key, value]) => [key, String(value)]);
  const body = new URLSearchParams(entries);
  return new Request('http://console.test/aws/executions/new', { method: 'POST', body }).formData();
}

const text = fc.string({ maxLength: 12 });
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const texts = Object.fromEntries(
  Object.entries(emptyForm())
    .filter(([, value]) => typeof value === 'string')
    .map(([key]) => [key, text]),
) as Record<string, fc.Arbitrary<string>>;
const form = fc.record({
  ...texts,
  scriptSource: fc.constantFrom('library' as const, 'inline' as const),
  interpreter: fc.constantFrom('bash' as const, 'sh' as const, 'powershell' as const),
  parameters: fc.dictionary(name, text, { maxKeys: 4 }),
  secretParameters: fc.dictionary(name, fc.record({ name: text, key: text }), { maxKeys: 2 }),
  targetMode: fc.constantFrom('tags' as const, 'ids' as const, 'csv' as const, 'cloned' as const),
  credentials: fc.uniqueArray(name, { maxLength: 3 }),
  platforms: fc.uniqueArray(fc.constantFrom('Linux', 'Windows'), { maxLength: 2 }),
  states: fc.uniqueArray(fc.constantFrom('running', 'stopped'), { maxLength: 2 }),
  onlineOnly: fc.boolean(),
  clonedTargets: fc.constant([]),
}) as unknown as fc.Arbitrary<ExecutionForm>;

describe('the new-execution form as a post', () => {
  it('reads back every field it was sent, through the browser’s encoding', async () => {
    await fc.assert(
      fc.asyncProperty(form, async (sent) => {
        const read = executionFormFromData(await throughTheWire(executionFormData(sent)));
        expect(read).toEqual(sent);
      }),
    );
  });

  it('keeps the cloned targets only for a cloned form, and drops a list that is not one', async () => {
    const targets = [
      { credentialRef: { name: 'a' }, instanceIds: ['i-0123456789abcdef0'], onlineOnly: true },
    ];
    const cloned = { ...emptyForm(), targetMode: 'cloned' as const, clonedTargets: targets };
    expect(executionFormFromData(executionFormData(cloned)).clonedTargets).toEqual(targets);
    const tampered = executionFormData(cloned);
    tampered.set('clonedTargets', '{"not":"a list"');
    expect(executionFormFromData(tampered).clonedTargets).toEqual([]);
  });

  it('reads what a browser without the page’s script leaves out as empty, never as a default', () => {
    const data = new FormData();
    data.set('targetMode', 'no-such-mode');
    data.set('scriptSource', 'inline');
    const read = executionFormFromData(data);
    expect(read).toMatchObject({ targetMode: 'tags', scriptSource: 'inline', onlineOnly: false });
    expect(read.credentials).toEqual([]);
  });
});
