// Test fixture: one emulator on a free port per test file, started before its tests and closed after them.
import { type Emulator, type EmulatorOptions, startEmulator } from './emulator.js';

/** The file-level hooks of a test runner (vitest's, node:test's, jest's `beforeAll`/`afterAll`). */
export interface FileHooks {
  beforeAll(fn: () => unknown): void;
  afterAll(fn: () => unknown): void;
}

/**
 * Starts an emulator (port 0 unless `opts.port` says otherwise) in `hooks.beforeAll` and closes it in
 * `hooks.afterAll`. Returns a handle that reads through to that emulator, so tests and later hooks use it
 * as the emulator itself; touching it before `beforeAll` has run is an error that says so.
 *
 * ```ts
 * import { beforeAll, afterAll } from 'vitest';
 * const emu = emulatorForFile({ beforeAll, afterAll });
 * it('lists', async () => { await fetch(emu.url + '/…'); });
 * ```
 */
export function emulatorForFile(hooks: FileHooks, opts: EmulatorOptions = {}): Emulator {
  let current: Emulator | undefined;
  hooks.beforeAll(async () => {
    current = await startEmulator(opts);
  });
  hooks.afterAll(async () => {
    const emu = current;
    current = undefined;
    await emu?.close();
  });
  const started = (): Emulator => {
    if (current) return current;
    throw new Error(
      'emulatorForFile: the emulator is not running; use it inside a test or a hook that runs after beforeAll',
    );
  };
  return new Proxy({} as Emulator, {
    get: (_, key) => Reflect.get(started(), key),
    set: (_, key, value) => Reflect.set(started(), key, value),
    has: (_, key) => Reflect.has(started(), key),
  });
}
