// The interactive picker: state hook, keys, loading, resize. Resolves through onExit; never exits the process.
import type { ObsBucket } from '@dbss-obs/core';
import { useApp, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useState } from 'react';
import { type DescribedError, describeError } from './errors.js';
import { CHROME_LINES, Picker } from './Picker.js';
import { initialState, pickerReducer } from './state.js';

export type PickResult =
  | { kind: 'chosen'; bucket: ObsBucket }
  | { kind: 'cancelled' }
  | { kind: 'failed'; error: DescribedError };

export interface AppProps {
  load: () => Promise<readonly ObsBucket[]>;
  /** Buckets already fetched (--select-1 / --exit-0 fetch before drawing). */
  buckets?: readonly ObsBucket[];
  query?: string;
  noColor?: boolean;
  projectId?: string;
  onExit: (result: PickResult) => void;
}

function listHeight(rows: number | undefined): number {
  // Never taller than the terminal: the list gets what the prompt, header and footer leave.
  return Math.max(1, (rows ?? 24) - CHROME_LINES - 1);
}

/** The picker's state as a hook: reducer plus the loading effect. */
export function usePickerState(props: Pick<AppProps, 'load' | 'buckets' | 'query'>, rows: number | undefined) {
  const [state, dispatch] = useReducer(pickerReducer, undefined, () =>
    initialState({ query: props.query, height: listHeight(rows), buckets: props.buckets }),
  );
  const [fatal, setFatal] = useState<DescribedError>();
  const { load } = props;
  useEffect(() => {
    if (state.status !== 'loading') return;
    let live = true;
    load().then(
      (buckets) => live && dispatch({ type: 'loaded', buckets }),
      (err: unknown) => {
        if (!live) return;
        const e = describeError(err);
        // Bad credentials will not get better by pressing r: leave with the error at once.
        if (e.final) setFatal(e);
        else dispatch({ type: 'failed', error: e });
      },
    );
    return () => {
      live = false;
    };
  }, [state.status, load]);
  return { state, dispatch, fatal };
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ rows: stdout.rows, columns: stdout.columns });
  const { state, dispatch, fatal } = usePickerState(props, size.rows);
  const [result, setResult] = useState<PickResult>();

  useEffect(() => {
    const onResize = () => {
      setSize({ rows: stdout.rows, columns: stdout.columns });
      dispatch({ type: 'resize', height: listHeight(stdout.rows) });
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, dispatch]);

  useEffect(() => {
    if (fatal) setResult({ kind: 'failed', error: fatal });
    else if (state.done) {
      const d = state.done;
      setResult(d.kind === 'failed' ? { kind: 'failed', error: d.error as DescribedError } : d);
    }
  }, [fatal, state.done]);

  // The last frame is empty, so the picker leaves no trace on the terminal; then report.
  useEffect(() => {
    if (!result) return;
    props.onExit(result);
    exit();
  }, [result, exit, props.onExit]);

  useInput(
    (input, key) => {
      if (key.escape || (key.ctrl && input === 'c')) return dispatch({ type: 'cancel' });
      if (key.return) return dispatch({ type: 'submit' });
      if (key.upArrow || (key.ctrl && input === 'p')) return dispatch({ type: 'move', by: -1 });
      if (key.downArrow || (key.ctrl && input === 'n')) return dispatch({ type: 'move', by: 1 });
      if (key.pageUp) return dispatch({ type: 'page', by: -1 });
      if (key.pageDown) return dispatch({ type: 'page', by: 1 });
      if (key.home) return dispatch({ type: 'home' });
      if (key.end) return dispatch({ type: 'end' });
      if (key.ctrl && input === 'u') return dispatch({ type: 'clear' });
      // Terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
      if (key.backspace || key.delete) return dispatch({ type: 'backspace' });
      if (key.ctrl || key.meta || key.tab) return;
      const text = Array.from(input)
        .filter((c) => c >= ' ' && c !== '\u007f')
        .join('');
      if (text) dispatch({ type: 'type', text });
    },
    { isActive: !result },
  );

  if (result) return null;
  return (
    <Picker
      state={state}
      width={Math.max(20, (size.columns ?? 80) - 1)}
      noColor={!!props.noColor}
      projectId={props.projectId}
    />
  );
}
