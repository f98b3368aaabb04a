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
  const instance = render(<App {...props} onExit={(r) => (result = r)} />, {
    stdin,
    stdout: output,
    stderr: output,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  await instance.waitUntilExit();
  instance.cleanup();
  return result;
}
