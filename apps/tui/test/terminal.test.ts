// Whole-process tests: the shipped bin in a real pseudo-terminal (node-pty) against the emulator, the
// screen read back from a headless xterm fed everything the terminal received.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEMO_BUCKETS, DEMO_PROJECT_ID, DEMO_TOKEN, EMPTY_PROJECT_ID, startEmulator } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import * as pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../dist/obs-pick.js');
// The bin is started as a shell starts it, through its shebang (V8 and malloc flags included), with the
// node running these tests first on PATH for the shebang's `env`.
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
const dir = mkdtempSync(join(tmpdir(), 'obs-pick-'));
const emu = emulatorForFile({ beforeAll, afterAll });
const live = new Set<pty.IPty>();
let n = 0;

beforeEach(() => emu.reset());
afterEach(() => {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
});

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** What a terminal sends for each key the tests press. */
const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  end: '\u001B[F',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  ctrlC: '\u0003',
  ctrlR: '\u0012',
} as const;
/** How long a screen may take to show what a test waits for: generous, the suite runs beside others. */
const DEADLINE_MS = 15_000;

/** The environment of a shell in a real terminal: the test's own, less what makes Ink draw nothing (CI). */
function terminalEnv(vars: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  return { ...env, ...vars };
}

interface Session {
  /** The visible screen, one string per row, trailing blanks trimmed. */
  screen(): string[];
  /** Every line the terminal holds, scrollback first, trailing blanks trimmed. */
  history(): string[];
  /** Where the terminal's cursor is, on the visible screen (0-based). */
  cursor(): { x: number; y: number };
  /** How many lines have scrolled off the top into the scrollback. */
  scrolled(): number;
  /** Whether any character on the visible screen has a foreground colour. */
  coloured(): boolean;
  keys(...keys: string[]): void;
  resize(cols: number, rows: number): void;
  /** Resolves with the screen once `want` holds for it; fails with the screen after DEADLINE_MS. */
  waitFor(want: string | RegExp | ((screen: string[]) => boolean)): Promise<string>;
  result(): Promise<{ code: number; stdout: string; sttySame: boolean }>;
}

/**
 * Runs `obs-pick args` from bash in a fresh 100 × 30 pseudo-terminal: stdout captured as by $(…), the
 * exit code and whether the tty settings came back unchanged written to a file when bash is done.
 */
function run(
  args: string,
  env: Record<string, string> = {},
  around: { before?: string; after?: string } = {},
): Session {
  const result = join(dir, `s${++n}.out`);
  const vars = {
    DBSS_ENDPOINT: emu.url,
    HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
    HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
    DBSS_MAX_RETRIES: '0',
    TERM: 'xterm-256color',
    PATH,
    ...env,
  };
  // bash keeps going when a Ctrl-C reaches it as SIGINT (sent in the moment between the first frame and
  // Ink turning on raw mode, the tty signals the whole foreground group): without the trap bash died
  // with the picker and never wrote the result file (ENOENT, once in a CI run). A trap, unlike an ignore,
  // is not inherited: the picker still gets the default SIGINT.
  const script = `trap : INT; ${around.before ?? ''}before=$(stty -g); out=$(${q(BIN)} ${args}); code=$?; after=$(stty -g); same=0; [ "$before" = "$after" ] && same=1; ${around.after ?? ''}printf '%s\\n%s\\n%s' "$code" "$same" "$out" > ${q(result)}`;
  const term = new xterm.Terminal({ cols: 100, rows: 30, scrollback: 1000, allowProposedApi: true });
  const child = pty.spawn('bash', ['--norc', '-c', script], {
    name: 'xterm-256color',
    cols: 100,
    rows: 30,
    env: terminalEnv(vars),
  });
  live.add(child);
  // Each chunk is parsed by xterm asynchronously; a waiter is woken once a chunk has been applied.
  let wake = () => {};
  child.onData((data) => term.write(data, () => wake()));
  const exited = new Promise<void>((resolve) =>
    child.onExit(() => {
      live.delete(child);
      resolve();
    }),
  );
  const lines = (from: number, to: number) => {
    const out: string[] = [];
    for (let y = from; y < to; y++) out.push(term.buffer.active.getLine(y)?.translateToString(true) ?? '');
    return out;
  };
  const screen = () => lines(term.buffer.active.viewportY, term.buffer.active.viewportY + term.rows);
  const flushed = () => new Promise<void>((resolve) => term.write('', resolve));
  return {
    screen,
    history: () => lines(0, term.buffer.active.length),
    cursor: () => ({ x: term.buffer.active.cursorX, y: term.buffer.active.cursorY }),
    scrolled: () => term.buffer.active.baseY,
    coloured() {
      const b = term.buffer.active;
      for (let y = b.viewportY; y < b.viewportY + term.rows; y++) {
        const line = b.getLine(y);
        for (let x = 0; line && x < line.length; x++) {
          const cell = line.getCell(x);
          if (cell?.getChars().trim() && !cell.isFgDefault()) return true;
        }
      }
      return false;
    },
    keys: (...keys) => {
      for (const k of keys) child.write(k);
    },
    resize(cols, rows) {
      term.resize(cols, rows);
      child.resize(cols, rows);
    },
    async waitFor(want) {
      const holds =
        typeof want === 'function'
          ? want
          : (s: string[]) => (typeof want === 'string' ? s.join('\n').includes(want) : want.test(s.join('\n')));
      const deadline = Date.now() + DEADLINE_MS;
      for (;;) {
        const changed = new Promise<void>((resolve) => {
          wake = resolve;
        });
        await flushed();
        const s = screen();
        if (holds(s)) return s.join('\n');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`screen never showed ${want}:\n${s.join('\n')}`);
        await Promise.race([changed, exited, new Promise((r) => setTimeout(r, left))]);
      }
    },
    async result() {
      await exited;
      const [code, same, ...out] = readFileSync(result, 'utf8').split('\n');
      return { code: Number(code), sttySame: same === '1', stdout: out.join('\n') };
    },
  };
}

describe('obs-pick in a real terminal', () => {
  it('draws prompt, header, every bucket and the footer on their own lines, the cursor on the first bucket', async () => {
    const s = run('');
    const screen = (await s.waitFor('12/12')).split('\n');
    expect(screen).toHaveLength(30);
    expect(screen[0]).toMatch(/^❯ +12\/12$/);
    expect(screen[1]).toMatch(/^ {2}BUCKET +LOCATION$/);
    const rows = screen.slice(2, 14).map((l) => l.slice(2).trim().split(/ +/));
    expect(rows.map(([name, location]) => ({ bucket_name: name, location }))).toEqual(
      [...DEMO_BUCKETS].sort(
        (a, b) => a.location.localeCompare(b.location) || a.bucket_name.localeCompare(b.bucket_name),
      ),
    );
    expect(screen.slice(2, 14).filter((l) => l.startsWith('▌ '))).toEqual([screen[2]]);
    // The footer right below the last bucket, the terminal's cursor below it, nothing else drawn.
    expect(screen[14]).toMatch(/^↑↓ .*Enter select/);
    expect(screen.slice(15).every((l) => l === '')).toBe(true);
    expect(s.cursor()).toEqual({ x: 0, y: 15 });
    s.keys(KEY.escape);
    expect((await s.result()).code).toBe(130);
  });

  it('Down then Enter prints the second bucket, only it, on stdout', async () => {
    const s = run('');
    await s.waitFor('12/12');
    s.keys(KEY.down);
    await s.waitFor(/▌ hk-audit-logs/);
    s.keys(KEY.enter);
    expect(await s.result()).toEqual({ code: 0, stdout: 'hk-audit-logs', sttySame: true });
  });

  it('typing a filter then Enter prints the match; --json prints the API field names', async () => {
    const s = run('--json');
    await s.waitFor('12/12');
    s.keys('risk-rep');
    await s.waitFor('1/12');
    s.keys(KEY.enter);
    const r = await s.result();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ bucket_name: 'sh-risk-reports-2026', location: 'cn-east-3' });
  });

  it('Esc exits 130 and leaves the terminal as it found it', async () => {
    const s = run('');
    await s.waitFor('12/12');
    s.keys(KEY.escape);
    expect(await s.result()).toEqual({ code: 130, stdout: '', sttySame: true });
  });

  it('Ctrl-C exits 130', async () => {
    const s = run('');
    await s.waitFor('12/12');
    s.keys(KEY.ctrlC);
    expect((await s.result()).code).toBe(130);
  });

  it('an emulator 401 exits 3 at once', async () => {
    const s = run('2>/dev/null', { HUAWEICLOUD_AUTH_TOKEN: 'MIIwrong-token-0000000000000000' });
    expect((await s.result()).code).toBe(3);
  });

  it('an emulator 500 shows the error state, and quitting it exits 4', async () => {
    emu.fault({ status: 500 }, { times: 1 });
    const s = run('');
    const screen = await s.waitFor('DBSS.11000000');
    expect(screen).toMatch(/request id [0-9a-f]{32}/);
    expect(screen).toContain('r retry');
    s.keys(KEY.escape);
    expect((await s.result()).code).toBe(4);
  });

  it('r retries after an upstream error', async () => {
    emu.fault({ status: 503 }, { times: 1 });
    const s = run('');
    await s.waitFor('r retry');
    s.keys('r');
    await s.waitFor('12/12');
    s.keys(KEY.enter);
    expect((await s.result()).stdout).toBe('jnb-dbss-backup');
  });

  it('draws in colour, and without colour under --no-color or NO_COLOR', async () => {
    const coloured = run('');
    await coloured.waitFor('12/12');
    expect(coloured.coloured()).toBe(true);
    coloured.keys(KEY.escape);
    await coloured.result();
    for (const [args, env] of [
      ['--no-color', {}],
      ['', { NO_COLOR: '1' }],
    ] as const) {
      const plain = run(args, env);
      await plain.waitFor('12/12');
      plain.keys('audit');
      await plain.waitFor('7/12');
      expect(plain.coloured()).toBe(false);
      plain.keys(KEY.escape);
      expect((await plain.result()).code).toBe(130);
    }
  });

  it('follows a terminal resize and stays within its height', async () => {
    const big = await startEmulator({ buckets: 500 });
    try {
      const s = run('', { DBSS_ENDPOINT: big.url });
      await s.waitFor('500/500');
      s.resize(80, 12);
      // Drawn taller than 12 lines, the prompt would have scrolled off the top: it must be redrawn on
      // the first line and the footer on the next-to-last, at the new width, the last line left free.
      const fits = (screen: string[]) =>
        screen.length === 12 &&
        /^❯ .*500\/500$/.test(screen[0] ?? '') &&
        !!screen[10]?.includes('Enter select') &&
        screen[11] === '';
      const before = (await s.waitFor(fits)).split('\n');
      expect(before.every((l) => l.length <= 80)).toBe(true);
      const row = (screen: string[]) => screen.findIndex((l) => l.startsWith('▌ '));
      s.keys(KEY.down);
      const after = (await s.waitFor((screen) => fits(screen) && row(screen) === row(before) + 1)).split('\n');
      expect(after[0]).toMatch(/^❯ .*500\/500$/);
      s.keys(KEY.escape);
      expect((await s.result()).code).toBe(130);
    } finally {
      await big.close();
    }
  });

  it('$(obs-pick --select-1 …) captures only the name, without drawing', async () => {
    const s = run('--query gdpr --select-1');
    expect(await s.result()).toEqual({ code: 0, stdout: 'eu-gdpr-audit-archive', sttySame: true });
    expect(s.history().filter((l) => l.trim())).toEqual([]);
  });

  it('--exit-0 exits 1 at once when nothing matches', async () => {
    const s = run('--exit-0', { HUAWEICLOUD_SDK_PROJECT_ID: EMPTY_PROJECT_ID });
    expect((await s.result()).code).toBe(1);
  });

  it('End moves to the last of 100,000 buckets, never drawing taller than the terminal', async () => {
    const big = await startEmulator({ buckets: 100_000 });
    try {
      const s = run('', { DBSS_ENDPOINT: big.url });
      await s.waitFor('100000/100000');
      // Nothing scrolled off: the prompt is still the first line the terminal ever held.
      const drawn = s.history().filter((l) => l.trim());
      expect(drawn.length).toBeLessThanOrEqual(30);
      expect(drawn[0]).toMatch(/^❯ +100000\/100000$/);
      const footer = (screen: string[]) => screen.findLastIndex((l) => l.includes('Enter select'));
      s.keys(KEY.end);
      // The cursor row is the last list row, right above the footer.
      const screen = (await s.waitFor((l) => footer(l) > 0 && !!l[footer(l) - 1]?.startsWith('▌ '))).split('\n');
      const last = screen[footer(screen) - 1]?.slice(2).trim().split(/ +/)[0];
      expect(last).toMatch(/^[a-z]+-[a-z-]+-[a-z]+-[0-9a-z]{4}$/);
      s.keys(KEY.enter);
      expect(await s.result()).toEqual({ code: 0, stdout: last, sttySame: true });
    } finally {
      await big.close();
    }
  });
});

describe('obs-pick v2 in a real terminal', () => {
  it('--multi: Tab marks three buckets and Enter prints the three, one per line', async () => {
    const s = run('--multi');
    await s.waitFor('0 selected · 12/12');
    s.keys(KEY.tab, KEY.tab, KEY.down, KEY.tab);
    await s.waitFor('3 selected · 12/12');
    s.keys(KEY.enter);
    const r = await s.result();
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['jnb-dbss-backup', 'hk-audit-logs', 'sg-dbss-audit']);
  });

  it('--multi --json prints an array, even for one bucket', async () => {
    const s = run('--multi --json --query gdpr');
    await s.waitFor('1/12');
    s.keys(KEY.enter);
    expect(JSON.parse((await s.result()).stdout)).toEqual([
      { bucket_name: 'eu-gdpr-audit-archive', location: 'eu-west-101' },
    ]);
  });

  for (const [name, key, code] of [
    ['Enter', KEY.enter, 0],
    ['Ctrl-C', KEY.ctrlC, 130],
  ] as const) {
    it(`--height 10 draws 10 rows below the prompt and, after ${name}, leaves the lines above intact`, async () => {
      const above = Array.from({ length: 24 }, (_, i) => `above-${i + 1}`);
      const s = run(
        '--height 10',
        {},
        { before: `printf '%s\\n' ${above.join(' ')}; `, after: `echo "shell continues code=$code"; ` },
      );
      const written = () => s.history().filter((l) => l.trim());
      await s.waitFor('12/12');
      const drawn = written();
      const prompt = drawn.findIndex((l) => l.startsWith('❯ '));
      // The picker's rows: prompt, header, 7 list rows, footer; everything before it untouched.
      expect(drawn.slice(0, prompt)).toEqual(above);
      expect(drawn.slice(prompt)).toHaveLength(10);
      expect(drawn.at(-1)).toContain('Enter select');
      s.keys(key);
      await s.waitFor('shell continues');
      // The picker's rows are gone, the scrollback holds every line above, and the shell goes on right
      // below the last of them: no blank line between, the cursor at the start of the next line.
      const all = s.history();
      const last = all.findLastIndex((l) => l.trim());
      expect(all.slice(0, last + 1)).toEqual([...above, `shell continues code=${code}`]);
      expect(s.cursor()).toEqual({ x: 0, y: last + 1 - s.scrolled() });
      expect((await s.result()).code).toBe(code);
    });
  }

  it('Ctrl-R against an emulator whose data changed shows the new bucket and keeps the query', async () => {
    try {
      const s = run('--query backup');
      await s.waitFor('3/12');
      s.keys(KEY.down);
      await s.waitFor(/▌ sh-dbss-backup/);
      emu.setBuckets(DEMO_PROJECT_ID, [...DEMO_BUCKETS, { bucket_name: 'backup-added-later', location: 'cn-north-4' }]);
      s.keys(KEY.ctrlR);
      const screen = await s.waitFor('4/13');
      expect(screen).toMatch(/^❯ backup/m);
      expect(screen).toContain('backup-added-later');
      // The cursor stayed on its bucket.
      expect(screen).toMatch(/▌ sh-dbss-backup/);
      s.keys(KEY.enter);
      expect((await s.result()).stdout).toBe('sh-dbss-backup');
    } finally {
      emu.setBuckets(DEMO_PROJECT_ID, DEMO_BUCKETS);
    }
  });
});

describe('obs-pick without a terminal', () => {
  function runDetached(args: string[], env: Record<string, string> = {}) {
    // setsid: no controlling terminal, so /dev/tty cannot be opened either.
    const child = spawn(BIN, args, {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH,
        DBSS_ENDPOINT: emu.url,
        HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
        HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const started = Date.now();
    return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })),
    );
  }

  it('exits 2 at once, naming --list and --select-1, without a request', async () => {
    const r = await runDetached([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--list');
    expect(r.stderr).toContain('--select-1');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.stdout).toBe('');
    expect(emu.requestCount).toBe(0);
  });

  it('--list prints every bucket sorted; --json a JSON array; --query filters', async () => {
    const plain = await runDetached(['--list']);
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim().split('\n')).toHaveLength(12);
    expect(plain.stdout.split('\n')[0]).toBe('jnb-dbss-backup');
    const json = await runDetached(['--list', '--json', '--query', 'cn-north']);
    expect(JSON.parse(json.stdout)).toEqual([
      { bucket_name: 'dbss-audit-backup-prod', location: 'cn-north-4' },
      { bucket_name: 'dbss-risk-export', location: 'cn-north-4' },
      { bucket_name: 'finance-db-audit-logs', location: 'cn-north-4' },
      { bucket_name: 'audit-archive-legacy', location: 'cn-north-7' },
    ]);
  });

  it('auth failures exit 3 and upstream failures exit 4, each with one line and no stack', async () => {
    const auth = await runDetached(['--list'], { HUAWEICLOUD_AUTH_TOKEN: 'MIIwrong-token-0000000000000000' });
    expect(auth.code).toBe(3);
    expect(auth.stderr.trim().split('\n')).toHaveLength(1);
    expect(auth.stderr).toMatch(/^obs-pick: DBSS\.10020100 .*request id [0-9a-f]{32}/);
    expect(auth.stderr).not.toContain('MIIwrong');
    emu.fault({ status: 500 });
    const upstream = await runDetached(['--list'], { DBSS_MAX_RETRIES: '0' });
    emu.clearFaults();
    expect(upstream.code).toBe(4);
    expect(upstream.stderr.trim().split('\n')).toHaveLength(1);
    const down = await runDetached(['--list'], { DBSS_ENDPOINT: 'http://127.0.0.1:9', DBSS_MAX_RETRIES: '0' });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/^obs-pick: CONNECTION_ERROR/);
  });

  it('bad usage and configuration exit 2 naming the flag or variable, before any request', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [['--bogus'], {}, '--bogus'],
      [['--region', 'mars-1', '--list'], {}, '--region'],
      [['--project-id', 'short', '--list'], {}, '--project-id'],
      [['--list'], { HUAWEICLOUD_SDK_PROJECT_ID: 'not-a-project' }, 'HUAWEICLOUD_SDK_PROJECT_ID'],
      [['--height', '3'], {}, '--height'],
      [['--height', '0%'], {}, '--height'],
      [['--height', 'ten'], {}, '--height'],
      [['--list'], { HUAWEICLOUD_AUTH_TOKEN: '' }, 'HUAWEICLOUD_AUTH_TOKEN'],
    ];
    for (const [args, env, named] of cases) {
      const r = await runDetached(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(named);
    }
    expect(emu.requestCount).toBe(0);
  });

  it('--select-1 --multi --json prints a one-element array', async () => {
    const r = await runDetached(['--query', 'gdpr', '--select-1', '--multi', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ bucket_name: 'eu-gdpr-audit-archive', location: 'eu-west-101' }]);
  });

  it('without a project id, the project named after the region is discovered', async () => {
    const r = await runDetached(['--list', '--query', 'gdpr'], {
      HUAWEICLOUD_SDK_PROJECT_ID: '',
      HUAWEICLOUD_SDK_REGION: 'cn-north-4',
      HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('eu-gdpr-audit-archive\n');
    expect(r.code).toBe(0);
  });

  it('no project for the region exits 2 with PROJECT_NOT_FOUND, naming the fix', async () => {
    const r = await runDetached(['--list'], {
      HUAWEICLOUD_SDK_PROJECT_ID: '',
      HUAWEICLOUD_SDK_REGION: 'af-north-1',
      HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^obs-pick: PROJECT_NOT_FOUND .*HUAWEICLOUD_SDK_PROJECT_ID/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--list --query ranks exact > prefix > word start > other; --no-sort keeps the plain order', async () => {
    const ranked = await runDetached(['--list', '--query', 'audit']);
    expect(ranked.stdout.trim().split('\n')[0]).toBe('audit-archive-legacy');
    const plain = await runDetached(['--list', '--query', 'audit', '--no-sort']);
    expect(plain.stdout.trim().split('\n')[0]).toBe('hk-audit-logs');
    expect(plain.stdout.trim().split('\n').sort()).toEqual(ranked.stdout.trim().split('\n').sort());
  });

  it('--help lists every flag and variable', async () => {
    const r = await runDetached(['--help']);
    expect(r.code).toBe(0);
    for (const word of [
      '--project-id',
      '--region',
      '--endpoint',
      '--query',
      '--select-1',
      '--exit-0',
      '--list',
      '--json',
      '--no-color',
      '--multi',
      '--height',
      '--no-sort',
      'Ctrl-R',
      'Ctrl-A',
      'HUAWEICLOUD_AUTH_TOKEN',
      'DBSS_ENDPOINT',
      'NO_COLOR',
    ]) {
      expect(r.stdout).toContain(word);
    }
  });
});
