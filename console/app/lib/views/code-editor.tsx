// The script body editor: a plain textarea on the server and until CodeMirror has loaded in the
// browser, then CodeMirror with bash/sh or PowerShell highlighting.
import { useEffect, useRef, useState, type ReactElement } from 'react';
import type { Interpreter } from '@pcm-ops/crds';
import type { MountedEditor } from './codemirror.client.js';

interface Props {
  value: string;
  interpreter: Interpreter;
  invalid: boolean;
  onChange: (value: string) => void;
}

export function CodeEditor(props: Props): ReactElement {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<MountedEditor | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const initial = useRef({ value: props.value, interpreter: props.interpreter });
  if (!editor.current) initial.current = { value: props.value, interpreter: props.interpreter };
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let cancelled = false;
    void import('./codemirror.client.js').then(({ mountEditor }) => {
      if (cancelled || !host.current) return;
      editor.current = mountEditor({
        host: host.current,
        doc: initial.current.value,
        interpreter: initial.current.interpreter,
        label: 'Script body',
        onChange: (doc) => onChange.current(doc),
      });
      setReady(true);
    });
    return () => {
      cancelled = true;
      editor.current?.destroy();
      editor.current = null;
    };
  }, []);
  useEffect(() => editor.current?.setInterpreter(props.interpreter), [props.interpreter, ready]);
  return (
    <div className={props.invalid ? 'code-editor invalid' : 'code-editor'} data-ready={ready}>
      <div ref={host} />
      {ready ? null : (
        <textarea
          name="body"
          aria-label="Script body"
          value={props.value}
          spellCheck={false}
          rows={12}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
    </div>
  );
}
