// obs-pick: start-up to first frame vs `node -e 0`, one filtering keystroke over 100,000 buckets, peak memory.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, startProcess, table } from './lib.mjs';

const BIN = fileURLToPath(new URL('../apps/tui/dist/obs-pick.js', import.meta.url));
const EMU = fileURLToPath(new URL('../packages/emulator/dist/cli.js', import.meta.url));
const RUNS = Number(process.env.BENCH_TUI_RUNS ?? 15);
const { DEMO_PROJECT_ID, DEMO_TOKEN } = await import('../packages/emulator/dist/index.js');

const small = await startProcess(EMU, ['--port', '0']);
const big = await startProcess(EMU, ['--port', '0', '--buckets', '100000']);
const envFor = (url) => {
  const env = {
    ...process.env,
    DBSS_ENDPOINT: url,
    HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
    HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
    TERM: 'xterm-256color',
  };
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  return env;
};

/** Runs the bin in a pseudo-terminal (util-linux `script`); resolves when `marker` is drawn. */
function inPty(url, marker, onDrawn, script) {
  const t0 = process.hrtime.bigint();
  const child = spawn('script', ['-qfec', `stty rows 40 cols 100; exec ${process.execPath} ${BIN}`, '/dev/null'], {
    env: envFor(url),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const output = { text: '' };
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    child.stdout.on('data', (d) => {
      buf += d;
      output.text += String(d);
      if (!done && buf.includes(marker)) {
        done = true;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const extra = onDrawn?.(child);
        const finish = () => {
          child.stdin.write('\u001b'); // Esc
          resolve({ ms, extra });
        };
        if (script) script(child, output).then(finish, reject);
        else finish();
      }
    });
    child.once('exit', () => done || reject(new Error(`exited before drawing ${marker}: ${buf.slice(-300)}`)));
  });
}

/** Writes `key` and resolves with the ms until a frame containing `want` arrives. */
async function keyToFrame(child, output, key, want) {
  await new Promise((r) => setTimeout(r, 40)); // idle between keys, as a person types
  output.text = '';
  const t0 = process.hrtime.bigint();
  child.stdin.write(key);
  for (;;) {
    if (output.text.includes(want)) return Number(process.hrtime.bigint() - t0) / 1e6;
    await new Promise((r) => setImmediate(r));
  }
}

function nodeNoop() {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

try {
  // Start-up: the first frame (the prompt) of the shipped single-file bin, against `node -e 0`, interleaved.
  const noop = [];
  const first = [];
  for (let i = 0; i < RUNS; i++) {
    noop.push(nodeNoop());
    first.push((await inPty(small.url, '❯')).ms);
  }
  const list = [];
  for (let i = 0; i < 5; i++) list.push((await inPty(small.url, '12/12')).ms);

  // Peak memory with 100,000 buckets: VmHWM of the picker once the full list is drawn.
  const peak = await inPty(big.url, '100000/100000', (child) => {
    const pid = spawnSync('pgrep', ['-P', String(child.pid), '-f', 'obs-pick'])
      .stdout.toString()
      .trim()
      .split('\n')[0];
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
  });

  // One keystroke over 100,000 buckets: reducer (filter) and the whole render, in process.
  const keystroke = await measureKeystrokes();

  console.log('\n## tui: obs-pick\n');
  console.log(
    table([
      ['measure', 'median', 'baseline', 'ratio', 'goal'],
      [
        'start-up to first frame',
        `${median(first).toFixed(0)} ms`,
        `node -e 0: ${median(noop).toFixed(0)} ms`,
        (median(first) / median(noop)).toFixed(2),
        '≤ 3',
      ],
      ['start-up to 12 rows drawn', `${median(list).toFixed(0)} ms`, '', (median(list) / median(noop)).toFixed(2), ''],
      [
        'keystroke: filter only (100k)',
        `${keystroke.filter.toFixed(2)} ms`,
        '16 ms frame',
        (keystroke.filter / 16).toFixed(2),
        '≤ 1',
      ],
      [
        'keystroke: first key, full scan (100k)',
        `${keystroke.fullScan.toFixed(2)} ms`,
        '16 ms frame',
        (keystroke.fullScan / 16).toFixed(2),
        '≤ 1',
      ],
      [
        'keystroke to frame, real terminal (100k)',
        `${keystroke.render.toFixed(2)} ms`,
        `12 buckets: ${keystroke.small.toFixed(2)} ms`,
        (keystroke.render / keystroke.small).toFixed(2),
        '',
      ],
      ['peak RSS, 100k buckets drawn', `${peak.extra.toFixed(0)} MB`, '', '', ''],
    ]),
  );
} finally {
  small.child.kill();
  big.child.kill();
}

async function measureKeystrokes() {
  const { generateBuckets } = await import('../packages/emulator/dist/index.js');
  const buckets = generateBuckets(100_000).map((b) => ({ bucketName: b.bucket_name, location: b.location }));
  const tui = await import('../apps/tui/dist/index.js');
  // Filter only: the reducer on a typed character, then on backspace (a full rescan).
  let s = tui.initialState({ height: 30, buckets });
  const filterTimes = [];
  const keys = 'risk-exp';
  for (let round = 0; round < 20; round++) {
    for (const ch of keys) {
      const t0 = performance.now();
      s = tui.pickerReducer(s, { type: 'type', text: ch });
      filterTimes.push(performance.now() - t0);
    }
    for (let i = 0; i < keys.length; i++) {
      const t0 = performance.now();
      s = tui.pickerReducer(s, { type: 'backspace' });
      filterTimes.push(performance.now() - t0);
    }
  }
  // The costliest key: the first one, which scans all 100,000 rows (nothing to narrow from yet).
  const fullScan = [];
  for (let round = 0; round < 40; round++) {
    s = tui.pickerReducer(s, { type: 'clear' });
    const t0 = performance.now();
    s = tui.pickerReducer(s, { type: 'type', text: 'abcdefghijklmnopqrstuvwxyz'[round % 26] });
    fullScan.push(performance.now() - t0);
  }
  // Filter + render, end to end: the shipped bin in a pseudo-terminal, from writing a key to the frame
  // that shows the new count. React and Ink run in production mode here, as they do for users.
  const items = tui.toItems(buckets);
  const counts = new Map();
  for (let i = 1; i <= keys.length; i++) counts.set(keys.slice(0, i), tui.filterItems(items, keys.slice(0, i)).length);
  // Baseline: the same keys over the 12 demo buckets, where filtering costs nothing: terminal + React + Ink.
  const smallItems = tui.toItems(
    (await import('../packages/emulator/dist/index.js')).DEMO_BUCKETS.map((b) => ({
      bucketName: b.bucket_name,
      location: b.location,
    })),
  );
  const smallTimes = [];
  await inPty(
    small.url,
    '12/12',
    () => undefined,
    async (child, output) => {
      for (let round = 0; round < 5; round++) {
        for (const k of ['a', 'u', '\u007f', '\u007f']) {
          smallTimes.push(
            await keyToFrame(
              child,
              output,
              k,
              k === 'a'
                ? `${tui.filterItems(smallItems, 'a').length}/12`
                : k === 'u'
                  ? `${tui.filterItems(smallItems, 'au').length}/12`
                  : '/12',
            ),
          );
        }
      }
    },
  );
  const renderTimes = [];
  await inPty(
    big.url,
    '100000/100000',
    () => undefined,
    async (child, output) => {
      for (let round = 0; round < 5; round++) {
        for (let i = 1; i <= keys.length; i++)
          renderTimes.push(await keyToFrame(child, output, keys[i - 1], `${counts.get(keys.slice(0, i))}/100000`));
        for (let i = keys.length - 1; i >= 0; i--) {
          const want = i === 0 ? '100000/100000' : `${counts.get(keys.slice(0, i))}/100000`;
          renderTimes.push(await keyToFrame(child, output, '\u007f', want));
        }
      }
    },
  );
  return {
    filter: median(filterTimes),
    fullScan: median(fullScan),
    render: median(renderTimes),
    small: median(smallTimes),
  };
}
