// Shared helpers for the benchmarks: start a bin and read its URL, time a function, print tables,
// read a process's CPU time.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Spawns `node file args…` and resolves with { url, child } once it prints `pattern`'s first group. */
export function startProcess(file, args, pattern = /listening on (\S+)/, env = process.env) {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = pattern.exec(buf);
      if (m) resolve({ url: m[1], child, output: buf });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited ${code} before it was ready:\n${buf}`)));
  });
}

export async function timeSequential(n, fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
}

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** CPU seconds (user + system) a process has used so far (Linux /proc; 0 once it is gone or elsewhere). */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return 0;
  }
}
