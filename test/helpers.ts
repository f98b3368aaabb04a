// Runs repository commands as a terminal would: in their own process group, signals sent to the group.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');

export interface Run {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they came. */
  output(): string;
  /** Resolves once the output matches `pattern`; rejects if the process ends first or after `timeoutMs`. */
  until(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts `command` (words split on spaces, no shell: the group leader is the command itself, as when a
 * terminal's shell runs it) in a new process group, as a terminal's foreground job is.
 */
export function run(
  command: string,
  env: Record<string, string | undefined> = {},
  opts: { shell?: boolean } = {},
): Run {
  // With `shell`, bash runs the line as typed (a terminal's shell waits while its job has the terminal;
  // bash -c in the job's group does the same: a child that exits 0 on SIGINT leaves it exiting 0).
  const [file, ...args] = opts.shell ? ['bash', '-c', command] : command.split(' ');
  const child = spawn(file as string, args, {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const take = (b: Buffer) => {
    text += b.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => text,
    exited,
    until(pattern, timeoutMs = 150_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`exited (${code}) before ${pattern}; output:\n${text}`));
        });
        check();
      });
    },
  };
}

/** Sends `signal` to the whole process group, as a terminal does on Ctrl-C. */
export function signalGroup(r: Run, signal: NodeJS.Signals): void {
  if (r.child.pid) process.kill(-r.child.pid, signal);
}
