// The dbss-emulator bin as the tests start it: built dist/cli.js on a free port, read up to its banner.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built bin (the tests run after the build). */
export const cli = join(import.meta.dirname, '../../dist/cli.js');

/** Starts the bin and resolves with its banner (everything up to the `try:` line); an early exit rejects with its stderr. */
export async function startBin(args: string[]): Promise<{ out: string; stop(): void }> {
  const child = spawn(process.execPath, [cli, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = await new Promise<string>((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('try:')) resolve(buf);
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err.trim()}`)));
  });
  return { out, stop: () => child.kill('SIGTERM') };
}

/** `export NAME=value` lines of a banner. */
export function exportsOf(out: string): Record<string, string> {
  return Object.fromEntries([...out.matchAll(/^\s*export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
}
