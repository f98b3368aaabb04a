// Renders the picker on a terminal and resolves with the outcome once the UI has gone.

import type { ReadStream, WriteStream } from 'node:tty';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { render } from 'ink';
import { App, type AppProps, type PickResult } from './App.js';

export interface PickOptions extends Omit<AppProps, 'onExit'> {
  stdin: ReadStream;
  /** Where to draw: stderr or /dev/tty, never stdout (which carries the result). */
  output: WriteStream;
}

/**
 * A full garbage collection, run when the user pauses. Each keystroke over 100,000 rows leaves match
 * arrays behind, which V8 only collects late (they live outside its heap); collecting in the pauses
 * keeps a long session's memory where it started, at no cost to a keystroke.
 */
function idleCollector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (o: { type: 'major'; execution: 'async' }) => Promise<void>;
    return () => void gc({ type: 'major', execution: 'async' });
  } catch {
    return undefined;
  }
}

export async function pick(opts: PickOptions): Promise<PickResult> {
  const { stdin, output, ...props } = opts;
  let result: PickResult = { kind: 'cancelled' };
  // Inline, never the alternate screen: the frame is drawn below the prompt and erased on exit, so
  // the lines above it and the scrollback stay as they were (with or without --height). Not Ink's
  // incrementalRendering: when a frame grows at the bottom of the screen it leaves a stray line in
  // the scrollback (the --height terminal tests catch it).
  // Raw mode before the first frame: Ink turns it on only in an effect after drawing, so a key pressed
  // as the frame appears went through the tty's cooked mode (Ctrl-C as SIGINT to the whole foreground
  // group, Enter as a line feed the picker does not read as Enter).
  if (stdin.isTTY) stdin.setRawMode(true);
  const instance = render(<App onIdle={idleCollector()} {...props} onExit={(r) => (result = r)} />, {
    stdin,
    stdout: output,
    stderr: output,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 60,
  });
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    // Ink turns raw mode off only if its input hook ever turned it on: a picker that ends before
    // (an immediate failure) must not leave the terminal raw.
    if (stdin.isTTY) stdin.setRawMode(false);
  }
  // Ink erases the last frame and then writes its empty final one as a bare newline: step back onto
  // that line, so the shell continues right below the lines above the picker, with no blank between.
  output.write('\u001B[1A');
  return result;
}
