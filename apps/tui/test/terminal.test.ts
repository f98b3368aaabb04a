// Whole-process tests: the shipped bin in a real terminal (tmux) against the emulator.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEMO_BUCKETS, DEMO_PROJECT_ID, DEMO_TOKEN, EMPTY_PROJECT_ID, startEmulator } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../dist/obs-pick.js');
// The bin is started as a shell starts it, through its shebang (V8 and malloc flags included), with the
// node running these tests first on PATH for the shebang's `env`.
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
const SOCKET = `obs-pick-test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'obs-pick-'));
const emu = emulatorForFile({ beforeAll, afterAll });
let n = 0;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

beforeAll(async () => {
  // A session that lives as long as the suite: without it the tmux server exits whenever the last
  // test session is killed, and the next test's new-session can race that shutdown.
  tmux('new-session', '-d', '-s', 'keep', 'sleep 600');
});
afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
});
beforeEach(() => emu.reset());

interface Session {
  name: string;
  screen(): string;
  keys(...keys: string[]): void;
  waitFor(text: string | RegExp): Promise<string>;
  result(): Promise<{ code: number; stdout: string; sttySame: boolean }>;
}

/** Runs `obs-pick args` in a fresh tmux window: stdout captured as by $(…), exit code and tty state saved. */
function run(
  args: string,
  env: Record<string, string> = {},
  around: { before?: string; after?: string } = {},
): Session {
  const name = `s${++n}`;
  const result = join(dir, `${name}.out`);
  const vars = {
    DBSS_ENDPOINT: emu.url,
    HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
    HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
    DBSS_MAX_RETRIES: '0',
    TERM: 'xterm-256color',
    PATH,
    ...env,
  };
  const assign = Object.entries(vars)
    .map(([k, v]) => `${k}=${q(v)}`)
    .join(' ');
  // Ink draws nothing interactive when CI is set; a picker in a real terminal must not see it.
  const script = `${around.before ?? ''}before=$(stty -g); out=$(env -u CI -u CONTINUOUS_INTEGRATION ${assign} ${q(BIN)} ${args}); code=$?; after=$(stty -g); same=0; [ "$before" = "$after" ] && same=1; ${around.after ?? ''}printf '%s\\n%s\\n%s' "$code" "$same" "$out" > ${q(`${result}.tmp`)}; mv ${q(`${result}.tmp`)} ${q(result)}; sleep 60`;
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', `bash --norc -c ${q(script)}`);
  const screen = () => tmux('capture-pane', '-p', '-t', name);
  return {
    name,
    screen,
    keys: (...keys) => {
      tmux('send-keys', '-t', name, ...keys);
    },
    async waitFor(text) {
      for (let i = 0; i < 200; i++) {
        const s = screen();
        if (typeof text === 'string' ? s.includes(text) : text.test(s)) return s;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`screen never showed ${text}:\n${screen()}`);
    },
    async result() {
      for (let i = 0; i < 300 && !existsSync(result); i++) await new Promise((r) => setTimeout(r, 50));
      const [code, same, ...out] = readFileSync(result, 'utf8').split('\n');
      tmux('kill-session', '-t', name);
      return { code: Number(code), sttySame: same === '1', stdout: out.join('\n') };
    },
  };
}

describe('obs-pick in a real terminal', () => {
  it('Down then Enter prints the second bucket, only it, on stdout', async () => {
    const s = run('');
    await s.waitFor('12/12');
    s.keys('Down');
    await s.waitFor(/▌ hk-audit-logs/);
    s.keys('Enter');
    expect(await s.result()).toEqual({ code: 0, stdout: 'hk-audit-logs', sttySame: true });
  });

  it('typing a filter then Enter prints the match; --json prints the API field names', async () => {
    const s = run('--json');
    await s.waitFor('12/12');
    s.keys('-l', 'risk-rep');
    await s.waitFor('1/12');
    s.keys('Enter');
    const r = await s.result();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ bucket_name: 'sh-risk-reports-2026', location: 'cn-east-3' });
  });

  it('Esc exits 130 and leaves the terminal as it found it', async () => {
    const s = run('');
    await s.waitFor('12/12');
    s.keys('Escape');
    expect(await s.result()).toEqual({ code: 130, stdout: '', sttySame: true });
  });

  it('Ctrl-C exits 130', async () => {
    const s = run('');
    await s.waitFor('12/12');
    s.keys('C-c');
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
    s.keys('Escape');
    expect((await s.result()).code).toBe(4);
  });

  it('r retries after an upstream error', async () => {
    emu.fault({ status: 503 }, { times: 1 });
    const s = run('');
    await s.waitFor('r retry');
    s.keys('r');
    await s.waitFor('12/12');
    s.keys('Enter');
    expect((await s.result()).stdout).toBe('jnb-dbss-backup');
  });

  it('draws in colour, and without colour under --no-color or NO_COLOR', async () => {
    // SGR sequences that set a foreground colour (ESC [ … 3x / 9x / 38;5 / 38;2 … m).
    const sgrColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*(3[0-7]|9[0-7]|38;[25])[0-9;]*m`);
    const coloured = run('');
    await coloured.waitFor('12/12');
    expect(tmux('capture-pane', '-p', '-e', '-t', coloured.name)).toMatch(sgrColour);
    coloured.keys('Escape');
    await coloured.result();
    for (const [args, env] of [
      ['--no-color', {}],
      ['', { NO_COLOR: '1' }],
    ] as const) {
      const plain = run(args, env);
      await plain.waitFor('12/12');
      plain.keys('-l', 'audit');
      await plain.waitFor('7/12');
      expect(tmux('capture-pane', '-p', '-e', '-t', plain.name)).not.toMatch(sgrColour);
      plain.keys('Escape');
      expect((await plain.result()).code).toBe(130);
    }
  });

  it('follows a terminal resize and stays within its height', async () => {
    const big = await startEmulator({ buckets: 500 });
    try {
      const s = run('', { DBSS_ENDPOINT: big.url });
      await s.waitFor('500/500');
      tmux('resize-window', '-t', s.name, '-x', '80', '-y', '12');
      await new Promise((r) => setTimeout(r, 400));
      s.keys('Down');
      await new Promise((r) => setTimeout(r, 300));
      // Drawn taller than 12 lines, the prompt would have scrolled off the top.
      const lines = s
        .screen()
        .split('\n')
        .filter((l) => l.trim());
      expect(lines[0]).toMatch(/^❯ .*500\/500$/);
      expect(lines.at(-1)).toContain('Enter select');
      s.keys('Escape');
      expect((await s.result()).code).toBe(130);
    } finally {
      await big.close();
    }
  });

  it('$(obs-pick --select-1 …) captures only the name, without drawing', async () => {
    const s = run('--query gdpr --select-1');
    expect(await s.result()).toEqual({ code: 0, stdout: 'eu-gdpr-audit-archive', sttySame: true });
  });

  it('--exit-0 exits 1 at once when nothing matches', async () => {
    const s = run('--exit-0', { HUAWEICLOUD_SDK_PROJECT_ID: EMPTY_PROJECT_ID });
    expect((await s.result()).code).toBe(1);
  });

  it('PgDn/End/Home move by pages over 100,000 buckets and never draw taller than the terminal', async () => {
    const big = await startEmulator({ buckets: 100_000 });
    try {
      const s = run('', { DBSS_ENDPOINT: big.url });
      await s.waitFor('100000/100000');
      expect(s.screen().trimEnd().split('\n').length).toBeLessThanOrEqual(30);
      s.keys('End');
      await new Promise((r) => setTimeout(r, 200));
      s.keys('Enter');
      const r = await s.result();
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^[a-z]+-[a-z-]+-[a-z]+-[0-9a-z]{4}$/);
    } finally {
      await big.close();
    }
  });
});

describe('obs-pick v2 in a real terminal', () => {
  it('--multi: Tab marks three buckets and Enter prints the three, one per line', async () => {
    const s = run('--multi');
    await s.waitFor('0 selected · 12/12');
    s.keys('Tab', 'Tab', 'Down', 'Tab');
    await s.waitFor('3 selected · 12/12');
    s.keys('Enter');
    const r = await s.result();
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['jnb-dbss-backup', 'hk-audit-logs', 'sg-dbss-audit']);
  });

  it('--multi --json prints an array, even for one bucket', async () => {
    const s = run('--multi --json --query gdpr');
    await s.waitFor('1/12');
    s.keys('Enter');
    expect(JSON.parse((await s.result()).stdout)).toEqual([
      { bucket_name: 'eu-gdpr-audit-archive', location: 'eu-west-101' },
    ]);
  });

  for (const [key, code] of [
    ['Enter', 0],
    ['C-c', 130],
  ] as const) {
    it(`--height 10 draws 10 rows below the prompt and, after ${key}, leaves the lines above intact`, async () => {
      const above = Array.from({ length: 24 }, (_, i) => `above-${i + 1}`);
      const s = run(
        '--height 10',
        {},
        {
          before: `printf '%s\\n' ${above.join(' ')}; sleep 0.3; `,
          after: `echo "shell continues code=$code"; `,
        },
      );
      await s.waitFor('above-24');
      const history = () =>
        tmux('capture-pane', '-p', '-S', '-', '-t', s.name)
          .split('\n')
          .filter((l) => l.trim());
      await s.waitFor('12/12');
      const drawn = history();
      const prompt = drawn.findIndex((l) => l.startsWith('❯ '));
      // The picker's rows: prompt, header, 7 list rows, footer; everything before it untouched.
      expect(drawn.slice(0, prompt)).toEqual(above);
      expect(drawn.slice(prompt)).toHaveLength(10);
      expect(drawn.at(-1)).toContain('Enter select');
      s.keys(key);
      await s.waitFor('shell continues');
      const after = history();
      expect(after).toEqual([...above, `shell continues code=${code}`]);
      expect((await s.result()).code).toBe(code);
    });
  }

  it('Ctrl-R against an emulator whose data changed shows the new bucket and keeps the query', async () => {
    try {
      const s = run('--query backup');
      await s.waitFor('3/12');
      s.keys('Down');
      await s.waitFor(/▌ sh-dbss-backup/);
      emu.setBuckets(DEMO_PROJECT_ID, [...DEMO_BUCKETS, { bucket_name: 'backup-added-later', location: 'cn-north-4' }]);
      s.keys('C-r');
      const screen = await s.waitFor('4/13');
      expect(screen).toMatch(/^❯ backup/m);
      expect(screen).toContain('backup-added-later');
      // The cursor stayed on its bucket.
      expect(screen).toMatch(/▌ sh-dbss-backup/);
      s.keys('Enter');
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
