// CodeMirror 6 for script bodies, loaded in the browser only. It lives in a shadow root: there
// CodeMirror's styles go into a constructed stylesheet, which the console's Content-Security-Policy
// (no inline styles) allows, where in the document itself they would be an inline <style>.
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { powerShell } from '@codemirror/legacy-modes/mode/powershell';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { basicSetup } from 'codemirror';
import type { Interpreter } from '@pcm-ops/crds';

export interface MountedEditor {
  setInterpreter(interpreter: Interpreter): void;
  destroy(): void;
}

const MONO = 'ui-monospace, SFMono-Regular, Menlo, monospace';

/** Colours from the page's custom properties, which reach into the shadow root. */
const consoleTheme = EditorView.theme({
  '&': { minHeight: '200px', backgroundColor: 'var(--bg)', color: 'var(--fg)', fontSize: '13px' },
  '.cm-content': { fontFamily: MONO, caretColor: 'var(--fg)' },
  '.cm-gutters': {
    backgroundColor: 'var(--panel)',
    color: 'var(--muted)',
    borderRight: '1px solid var(--line)',
  },
  '.cm-activeLine, .cm-activeLineGutter': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 10%, transparent)',
  },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 25%, transparent)',
  },
});

/** Token colours from the same properties, readable in light and dark mode alike. */
const consoleHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword], color: 'var(--accent)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--ok)' },
  {
    tag: [tags.comment, tags.lineComment, tags.blockComment, tags.meta],
    color: 'var(--muted)',
    fontStyle: 'italic',
  },
  {
    tag: [tags.variableName, tags.special(tags.variableName), tags.definition(tags.variableName)],
    color: 'var(--warn)',
  },
  { tag: [tags.number, tags.bool, tags.atom], color: 'var(--bad)' },
  {
    tag: [tags.standard(tags.variableName), tags.standard(tags.name)],
    color: 'var(--run)',
    fontWeight: '600',
  },
]);

function languageFor(interpreter: Interpreter): StreamLanguage<unknown> {
  return StreamLanguage.define(interpreter === 'powershell' ? powerShell : shell);
}

function shadowHost(host: HTMLElement): { root: ShadowRoot; parent: HTMLElement } {
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  root.replaceChildren(parent);
  return { root, parent };
}

export function mountEditor(options: {
  host: HTMLElement;
  doc: string;
  interpreter: Interpreter;
  label: string;
  onChange: (doc: string) => void;
}): MountedEditor {
  const language = new Compartment();
  const { root, parent } = shadowHost(options.host);
  const view = new EditorView({
    root,
    parent,
    state: EditorState.create({
      doc: options.doc,
      extensions: [
        basicSetup,
        consoleTheme,
        syntaxHighlighting(consoleHighlight),
        language.of(languageFor(options.interpreter)),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': options.label, 'data-editor': 'body' }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) options.onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    setInterpreter: (interpreter) =>
      view.dispatch({ effects: language.reconfigure(languageFor(interpreter)) }),
    destroy: () => view.destroy(),
  };
}
