// The interactive picker: keys and size in, a PickOutcome out through onExit; never exits the process.
import type { ObsBucket } from '@dbss-obs/core';
import { useApp, useInput, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { describeError } from './errors.js';
import { CHROME_LINES, Picker } from './Picker.js';
import { type PickerOptions, type PickOutcome, usePickerState } from './state.js';

export type PickResult = PickOutcome;

/** `--height`: a number of rows, or a percentage of the terminal's. */
export type HeightSpec = { rows: number } | { percent: number };

export interface AppProps extends PickerOptions {
  load: () => Promise<readonly ObsBucket[]>;
  /**
   * Buckets already fetched (--select-1 / --exit-0, or a fetch that finished while Ink loaded), handed
   * over once when the picker starts: the first frame shows rows, and nothing keeps a second copy.
   */
  initialBuckets?: () => readonly ObsBucket[] | undefined;
  query?: string;
  noColor?: boolean;
  projectId?: string;
  /** Rows the whole picker may draw (prompt, header, list, footer). @default the terminal's height */
  height?: HeightSpec;
  /** Called once the picker has been idle (no key, no load) for `IDLE_MS`: a moment to collect garbage. */
  onIdle?: () => void;
  onExit: (result: PickResult) => void;
}

/** Rows the picker draws in all: `height` if given, never more than the terminal leaves (one row for the cursor). */
export const IDLE_MS = 400;

export function frameHeight(height: HeightSpec | undefined, terminalRows: number | undefined): number {
  const room = Math.max(CHROME_LINES + 1, (terminalRows ?? 24) - 1);
  if (!height) return room;
  const want = 'rows' in height ? height.rows : Math.floor(((terminalRows ?? 24) * height.percent) / 100);
  return Math.max(CHROME_LINES + 1, Math.min(room, want));
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ rows: stdout.rows, columns: stdout.columns });
  const rows = frameHeight(props.height, size.rows);
  const { state, dispatch } = usePickerState({
    load: props.load,
    initialBuckets: props.initialBuckets,
    query: props.query,
    height: rows - CHROME_LINES,
    describe: describeError,
    multi: props.multi,
    sort: props.sort,
  });

  useEffect(() => {
    const onResize = () => setSize({ rows: stdout.rows, columns: stdout.columns });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  useEffect(() => dispatch({ type: 'resize', height: rows - CHROME_LINES }), [rows, dispatch]);

  const { onIdle } = props;
  // biome-ignore lint/correctness/useExhaustiveDependencies: every new state (a key, a load) restarts the idle timer
  useEffect(() => {
    if (!onIdle) return;
    const timer = setTimeout(onIdle, IDLE_MS);
    return () => clearTimeout(timer);
  }, [state, onIdle]);

  // The last frame is empty (state.done draws nothing), so the picker leaves no trace; then report.
  const { done } = state;
  useEffect(() => {
    if (!done) return;
    props.onExit(done);
    exit();
  }, [done, exit, props.onExit]);

  useInput(
    (input, key) => {
      if (key.escape || (key.ctrl && input === 'c')) return dispatch({ type: 'cancel' });
      if (key.return) return dispatch({ type: 'submit' });
      if (key.tab) return dispatch({ type: 'toggle', by: key.shift ? -1 : 1 });
      if (key.upArrow || (key.ctrl && input === 'p')) return dispatch({ type: 'move', by: -1 });
      if (key.downArrow || (key.ctrl && input === 'n')) return dispatch({ type: 'move', by: 1 });
      if (key.pageUp) return dispatch({ type: 'page', by: -1 });
      if (key.pageDown) return dispatch({ type: 'page', by: 1 });
      if (key.home) return dispatch({ type: 'home' });
      if (key.end) return dispatch({ type: 'end' });
      if (key.ctrl && input === 'u') return dispatch({ type: 'clear' });
      if (key.ctrl && input === 'a') return dispatch({ type: 'toggleAll' });
      if (key.ctrl && input === 'r') return dispatch({ type: 'reload' });
      // Terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
      if (key.backspace || key.delete) return dispatch({ type: 'backspace' });
      if (key.ctrl || key.meta) return;
      // Keys typed faster than they are read arrive as one chunk of text ("ab", or "\t\t" for two Tabs).
      let text = '';
      for (const c of input) {
        if (c === '\t') {
          if (text) dispatch({ type: 'type', text });
          text = '';
          dispatch({ type: 'toggle', by: 1 });
        } else if (c >= ' ' && c !== '\u007f') text += c;
      }
      if (text) dispatch({ type: 'type', text });
    },
    { isActive: !done },
  );

  if (done) return null;
  return (
    <Picker
      state={state}
      width={Math.max(20, (size.columns ?? 80) - 1)}
      rows={rows}
      noColor={!!props.noColor}
      projectId={props.projectId}
    />
  );
}
