// CodeMirror 6 for script bodies, loaded in the browser only. Its styles go through constructed
// stylesheets, which the console's Content-Security-Policy (no inline styles) allows.
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { StreamLanguage } from '@codemirror/language';
import { powerShell } from '@codemirror/legacy-modes/mode/powershell';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { basicSetup } from 'codemirror';
import type { Interpreter } from '@pcm-ops/crds';

export interface MountedEditor {
  setInterpreter(interpreter: Interpreter): void;
  destroy(): void;
}

function languageFor(interpreter: Interpreter): StreamLanguage<unknown> {
  return StreamLanguage.define(interpreter === 'powershell' ? powerShell : shell);
}

export function mountEditor(options: {
  parent: HTMLElement;
  doc: string;
  interpreter: Interpreter;
  label: string;
  onChange: (doc: string) => void;
}): MountedEditor {
  const language = new Compartment();
  const view = new EditorView({
    parent: options.parent,
    state: EditorState.create({
      doc: options.doc,
      extensions: [
        basicSetup,
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
