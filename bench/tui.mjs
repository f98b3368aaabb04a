// obs-pick beside `node -e 0` and fzf (when installed), in the same run, each in a pseudo-terminal
// (util-linux `script`, 100 × 30), the bin started the way a shell starts it (its shebang, its flags):
//   start-up        spawn → first bucket row drawn, 3 buckets (fzf: the same 3 lines on stdin)
//   peak RSS        VmHWM with 100,000 buckets, after typing a query and deleting it again
//   keystroke       key written → the frame showing the new match count, 100,000 buckets (median, p90)
// plus the reducer alone, in process. Goals (issue 12): start-up ≤ 3× node, ≤ 100 MiB, ≤ 16 ms / 33 ms.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, startProcess, table } from './lib.mjs';

const BIN = fileURLToPath(new URL('../apps/tui/dist/obs-pick.js', import.meta.url));
const EMU = fileURLToPath(new URL('../packages/emulator/dist/cli.js', import.meta.url));
const RUNS = Number(process.env.BENCH_TUI_RUNS ?? 15);
const QUERY = 'risk-exp';
const emulator = await import('../packages/emulator/dist/index.js');
const tui = await import('../apps/tui/dist/index.js');
const hasFzf = spawnSync('fzf', ['--version']).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'bench-tui-'));
const SMALL = [
  { bucket_name: 'bench-alpha-logs', location: 'cn-north-4' },
  { bucket_name: 'bench-beta-audit', location: 'cn-east-3' },
  { bucket_name: 'bench-gamma-backup', location: 'ap-southeast-1' },
];
const BIG = emulator.generateBuckets(100_000);
writeFileSync(join(dir, 'small.json'), JSON.stringify({ obs_list: SMALL }));
// fzf reads lines "name location", so its terms can match either, as obs-pick's do.
const lines = (list) => `${list.map((b) => `${b.bucket_name} ${b.location}`).join('\n')}\n`;
writeFileSync(join(dir, 'small.txt'), lines(SMALL));
writeFileSync(join(dir, 'big.txt'), lines(BIG));

const small = await startProcess(EMU, ['--port', '0', '--fixture', join(dir, 'small.json')]);
const big = await startProcess(EMU, ['--port', '0', '--buckets', '100000']);

function env(url) {
  const e = {
    ...process.env,
    DBSS_ENDPOINT: url,
    HUAWEICLOUD_AUTH_TOKEN: emulator.DEMO_TOKEN,
    HUAWEICLOUD_SDK_PROJECT_ID: emulator.DEMO_PROJECT_ID,
    TERM: 'xterm-256color',
    FZF_DEFAULT_OPTS: '',
  };
  // Ink draws nothing interactive under CI.
  delete e.CI;
  delete e.CONTINUOUS_INTEGRATION;
  return e;
}

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const sleep = (n) => new Promise((r) => setTimeout(r, n));

/**
 * Runs `command` in a pseudo-terminal; resolves once `marker` has been drawn with
 * { ms, child, pid, output } (pid: the program itself, which `exec` put in place of script's shell).
 */
function inPty(command, url, marker) {
  const t0 = process.hrtime.bigint();
  const child = spawn('script', ['-qfec', `stty rows 30 cols 100; exec ${command}`, '/dev/null'], {
    env: env(url),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const output = { text: '' };
  return new Promise((resolve, reject) => {
    let done = false;
    child.stdout.on('data', (d) => {
      output.text += String(d);
      if (!done && output.text.includes(marker)) {
        done = true;
        const took = ms(t0);
        const pid = spawnSync('pgrep', ['-P', String(child.pid)])
          .stdout.toString()
          .trim()
          .split('\n')[0];
        resolve({ ms: took, child, pid, output });
      }
    });
    child.once(
      'exit',
      () => done || reject(new Error(`${command} exited before drawing ${marker}: ${output.text.slice(-300)}`)),
    );
  });
}

async function quit(run) {
  const exited = new Promise((r) => run.child.once('exit', r));
  run.child.stdin.write('\u001b'); // Esc
  await Promise.race([exited, sleep(3000)]);
  run.child.kill();
}

/** `node -e 0` in the same pseudo-terminal wrapper: spawn → exit. */
function nodeNoop() {
  const t0 = process.hrtime.bigint();
  const child = spawn('script', ['-qfec', `exec ${q(process.execPath)} -e 0`, '/dev/null'], { stdio: 'ignore' });
  return new Promise((r) => child.once('exit', () => r(ms(t0))));
}

const hwmMiB = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

/** Writes `key`; resolves with the ms until output containing `want` arrives. */
async function keyToFrame(run, key, want) {
  await sleep(40); // idle between keys, as a person types
  run.output.text = '';
  const t0 = process.hrtime.bigint();
  run.child.stdin.write(key);
  for (;;) {
    if (run.output.text.includes(want)) return ms(t0);
    if (ms(t0) > 5000) throw new Error(`no frame with ${want} after ${JSON.stringify(key)}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Types QUERY and deletes it, `rounds` times; the wanted frame shows `count(prefix)` of 100000. */
async function typeAndDelete(run, count, rounds = 5) {
  const times = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 1; i <= QUERY.length; i++)
      times.push(await keyToFrame(run, QUERY[i - 1], `${count(QUERY.slice(0, i))}/100000`));
    for (let i = QUERY.length - 1; i >= 0; i--)
      times.push(await keyToFrame(run, '\u007f', `${count(QUERY.slice(0, i))}/100000`));
  }
  return times;
}

const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

/**
 * One start-up of `bin` to its first row and out again (Esc): { wall, cpu } in ms. cpu is the bin's
 * user + system time from bash's `time` (getrusage, 1 ms steps): steadier than wall time on a busy
 * machine, and it counts the quit too (a few ms, the same for every build).
 */
async function startCpu(bin) {
  const run = await inPty(
    `bash -c ${q(`TIMEFORMAT='cpu-ms %3U %3S'; time ${q(bin)}`)}`,
    small.url,
    'bench-gamma-backup',
  );
  await quit(run);
  const m = /cpu-ms (\d+\.\d+) (\d+\.\d+)/.exec(run.output.text);
  return { wall: run.ms, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN };
}

/** Peak RSS (MiB) of `bin` with 100,000 buckets after the query was typed and deleted once. */
async function peakOf(bin) {
  const run = await inPty(q(bin), big.url, '100000/100000');
  await typeAndDelete(run, (query) => tui.filterItems(bigItems(), query).length, 1);
  const peak = hwmMiB(run.pid);
  await quit(run);
  return peak;
}
let bigItemsCache;
const bigItems = () =>
  (bigItemsCache ??= tui.toItems(BIG.map((b) => ({ bucketName: b.bucket_name, location: b.location }))));

/**
 * BENCH_TUI_AGAINST=label=path[,label=path…]: the shipped bin beside other builds of it (say, one
 * built without a dependency patch), start-ups interleaved so load falls on all alike; peaks are the
 * median of BENCH_TUI_PEAK_RUNS (default 3). Prints each build's figures and its difference from the bin.
 */
async function compareBuilds(spec) {
  const bins = [['bin', BIN], ...spec.split(',').map((pair) => pair.split('='))];
  const wall = bins.map(() => []);
  const cpu = bins.map(() => []);
  const noop = [];
  for (let i = 0; i < RUNS; i++) {
    noop.push(await nodeNoop());
    for (const [k, [, bin]] of bins.entries()) {
      const r = await startCpu(bin);
      wall[k].push(r.wall);
      cpu[k].push(r.cpu);
    }
  }
  const peaks = bins.map(() => []);
  for (let i = 0; i < Number(process.env.BENCH_TUI_PEAK_RUNS ?? 3); i++)
    for (const [k, [, bin]] of bins.entries()) peaks[k].push(await peakOf(bin));
  const f = (x) => x.toFixed(1);
  const rows = [
    ['build', 'start-up wall (median)', 'start-up CPU (median)', 'peak RSS (median)', 'vs bin: wall / CPU / peak'],
  ];
  for (const [k, [label]] of bins.entries()) {
    const d = (xs) => median(xs[k]) - median(xs[0]);
    rows.push([
      label,
      `${f(median(wall[k]))} ms`,
      `${f(median(cpu[k]))} ms`,
      `${f(median(peaks[k]))} MiB`,
      k
        ? `${d(wall) > 0 ? '+' : ''}${f(d(wall))} ms / ${d(cpu) > 0 ? '+' : ''}${f(d(cpu))} ms / ${d(peaks) > 0 ? '+' : ''}${f(d(peaks))} MiB`
        : '',
    ]);
  }
  console.log(`\n## tui: builds compared (${RUNS} interleaved start-ups each; node -e 0: ${f(median(noop))} ms)\n`);
  console.log(table(rows));
}
const fzfCmd = (file) => `fzf --exact < ${q(join(dir, file))}`;

try {
  if (process.env.BENCH_TUI_AGAINST) {
    await compareBuilds(process.env.BENCH_TUI_AGAINST);
  } else await fullBench();
} finally {
  small.child.kill();
  big.child.kill();
  rmSync(dir, { recursive: true, force: true });
}

async function fullBench() {
  // Start-up, interleaved so that the machine's load falls on all three alike.
  const noop = [];
  const pick = [];
  const fzf = [];
  for (let i = 0; i < RUNS; i++) {
    noop.push(await nodeNoop());
    const p = await inPty(q(BIN), small.url, 'bench-gamma-backup');
    pick.push(p.ms);
    await quit(p);
    if (hasFzf) {
      const f = await inPty(fzfCmd('small.txt'), small.url, 'bench-gamma-backup');
      fzf.push(f.ms);
      await quit(f);
    }
  }

  // 100,000 buckets: keystrokes, then the peak RSS after the query was typed and deleted.
  const items = tui.toItems(BIG.map((b) => ({ bucketName: b.bucket_name, location: b.location })));
  const ours = (query) => tui.filterItems(items, query).length;
  const p = await inPty(q(BIN), big.url, '100000/100000');
  const pickKeys = await typeAndDelete(p, ours);
  const pickPeak = hwmMiB(p.pid);
  await quit(p);
  let fzfKeys = [];
  let fzfPeak = Number.NaN;
  if (hasFzf) {
    const theirs = (query) =>
      query
        ? spawnSync('sh', ['-c', `fzf --exact --filter ${q(query)} < ${q(join(dir, 'big.txt'))} | wc -l`])
            .stdout.toString()
            .trim()
        : '100000';
    const counts = new Map(Array.from({ length: QUERY.length + 1 }, (_, i) => [i, theirs(QUERY.slice(0, i))]));
    const f = await inPty(fzfCmd('big.txt'), big.url, '100000/100000');
    fzfKeys = await typeAndDelete(f, (query) => counts.get(query.length));
    fzfPeak = hwmMiB(f.pid);
    await quit(f);
  }
  const nodePeak = Number(
    spawnSync(process.execPath, [
      '-e',
      "process.stdout.write(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1])",
    ]).stdout,
  );

  const reducer = reducerKeystrokes(items);
  const fmt = (x, unit = 'ms') =>
    Number.isFinite(x) ? `${x.toFixed(unit === 'ms' && x < 10 ? 1 : 0)} ${unit}` : 'n/a';
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : '');
  const nodeMs = median(noop);
  console.log(
    `\n## tui: obs-pick beside node -e 0${hasFzf ? ' and fzf (--exact, same data)' : ' (fzf not installed)'}\n`,
  );
  console.log(
    table([
      ['measure', 'obs-pick', 'node -e 0', 'fzf', 'obs-pick / node', 'fzf / node', 'goal'],
      [
        `start-up to first row, 3 buckets (median of ${RUNS})`,
        fmt(median(pick)),
        fmt(nodeMs),
        hasFzf ? fmt(median(fzf)) : 'n/a',
        ratio(median(pick), nodeMs),
        hasFzf ? ratio(median(fzf), nodeMs) : '',
        '≤ 3× node',
      ],
      [
        'peak RSS (VmHWM), 100k, query typed + deleted',
        fmt(pickPeak, 'MiB'),
        fmt(nodePeak / 1024, 'MiB'),
        fmt(fzfPeak, 'MiB'),
        ratio(pickPeak, nodePeak / 1024),
        ratio(fzfPeak, nodePeak / 1024),
        '≤ 100 MiB',
      ],
      [
        `keystroke → frame, 100k, median of ${pickKeys.length}`,
        fmt(median(pickKeys)),
        '',
        hasFzf ? fmt(median(fzfKeys)) : 'n/a',
        '',
        '',
        '≤ 16 ms',
      ],
      ['keystroke → frame, 100k, p90', fmt(p90(pickKeys)), '', hasFzf ? fmt(p90(fzfKeys)) : 'n/a', '', '', '≤ 33 ms'],
      ['reducer only: typing and Backspace, 100k, median', fmt(reducer.typing), '', '', '', '', ''],
      ['reducer only: first key (full scan + rank), 100k, median', fmt(reducer.fullScan), '', '', '', '', ''],
    ]),
  );
}

/** The reducer alone (filter, rank, window), without React or a terminal. */
function reducerKeystrokes(items) {
  let s = tui.initialState({ height: 24, buckets: items });
  const typing = [];
  for (let round = 0; round < 20; round++) {
    for (const ch of QUERY) {
      const t0 = performance.now();
      s = tui.pickerReducer(s, { type: 'type', text: ch });
      typing.push(performance.now() - t0);
    }
    for (let i = 0; i < QUERY.length; i++) {
      const t0 = performance.now();
      s = tui.pickerReducer(s, { type: 'backspace' });
      typing.push(performance.now() - t0);
    }
  }
  const fullScan = [];
  for (let round = 0; round < 40; round++) {
    s = tui.pickerReducer(s, { type: 'clear' });
    const t0 = performance.now();
    s = tui.pickerReducer(s, { type: 'type', text: 'abcdefghijklmnopqrstuvwxyz'[round % 26] });
    fullScan.push(performance.now() - t0);
  }
  return { typing: median(typing), fullScan: median(fullScan) };
}
