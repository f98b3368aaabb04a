// Renders the picker on a terminal and resolves with the outcome once the UI has gone.

import type { ReadStream, WriteStream } from 'node:tty';
import { render } from 'ink';
import { App, type AppProps, type PickResult } from './App.js';

export interface PickOptions extends Omit<AppProps, 'onExit'> {
  stdin: ReadStream;
  /** Where to draw: stderr or /dev/tty, never stdout (which carries the result). */
  output: WriteStream;
}

export async function pick(opts: PickOptions): Promise<PickResult> {
  const { stdin, output, ...props } = opts;
  let result: PickResult = { kind: 'cancelled' };
  // Inline, never the alternate screen: the frame is drawn below the prompt and erased on exit, so
  // the lines above it and the scrollback stay as they were (with or without --height).
  const instance = render(<App {...props} onExit={(r) => (result = r)} />, {
    stdin,
    stdout: output,
    stderr: output,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 60,
  });
  await instance.waitUntilExit();
  instance.cleanup();
  return result;
}
