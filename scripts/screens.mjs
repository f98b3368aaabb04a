// `pnpm docs:screens`: regenerates the README pictures from the real programs.
//   docs/screens/graphiql.png  GraphiQL in headless Chromium, the demo query run against the embedded emulator
//   docs/screens/obs-pick.png  obs-pick in tmux (capture-pane -e), colours rendered through Chromium
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = (name) => `${root}docs/screens/${name}`;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const { chromium } = await import('playwright-core');
const { DEMO_PROJECT_ID, DEMO_TOKEN, startEmulator } = await import('../packages/emulator/dist/index.js');
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

try {
  await graphiql();
  await picker();
} finally {
  await browser.close();
}

async function graphiql() {
  const gw = spawn(process.execPath, [`${root}apps/gateway/dist/main.js`], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', HUAWEICLOUD_SDK_REGION: '', DBSS_ENDPOINT: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const url = await new Promise((resolve, reject) => {
      let buf = '';
      gw.stderr.on('data', (d) => {
        buf += d;
        const m = /GraphiQL:\s+([^\s?]+)/.exec(buf);
        if (m) resolve(m[1]);
      });
      gw.once('exit', () => reject(new Error(buf)));
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const query = `{\n  obsBuckets(projectId: "${DEMO_PROJECT_ID}") {\n    bucketName\n    location\n  }\n}\n`;
    await page.goto(`${url}?query=${encodeURIComponent(query)}`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    await page.click('.graphiql-execute-button');
    await page
      .waitForFunction(
        () => document.querySelector('.graphiql-response')?.textContent?.includes('dbss-audit-backup-prod'),
        null,
        { timeout: 30_000 },
      )
      .catch(async (e) => {
        await page.screenshot({ path: out('graphiql-debug.png') });
        console.error(await page.evaluate(() => document.body.innerHTML.slice(0, 3000)));
        throw e;
      });
    await page.screenshot({ path: out('graphiql.png') });
    console.log(`wrote ${out('graphiql.png')}`);
  } finally {
    gw.kill('SIGTERM');
  }
}

async function picker() {
  const emu = await startEmulator();
  const sock = `obs-pick-docs-${process.pid}`;
  const tmux = (...a) => execFileSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
  try {
    const env = `env -u CI -u CONTINUOUS_INTEGRATION TERM=xterm-256color DBSS_ENDPOINT=${emu.url} HUAWEICLOUD_AUTH_TOKEN=${DEMO_TOKEN} HUAWEICLOUD_SDK_PROJECT_ID=${DEMO_PROJECT_ID}`;
    tmux(
      'new-session',
      '-d',
      '-s',
      'p',
      '-x',
      '96',
      '-y',
      '17',
      `${env} ${process.execPath} ${root}apps/tui/dist/obs-pick.js; sleep 30`,
    );
    for (let i = 0; i < 100 && !tmux('capture-pane', '-p', '-t', 'p').includes('12/12'); i++)
      await new Promise((r) => setTimeout(r, 100));
    tmux('send-keys', '-t', 'p', '-l', 'audit');
    await new Promise((r) => setTimeout(r, 300));
    tmux('send-keys', '-t', 'p', 'Down');
    await new Promise((r) => setTimeout(r, 300));
    const ansi = tmux('capture-pane', '-p', '-e', '-t', 'p');
    writeFileSync(out('obs-pick.ansi'), ansi);
    const page = await browser.newPage({
      viewport: { width: 96 * 9 + 40, height: 17 * 19 + 40 },
      deviceScaleFactor: 1,
    });
    await page.setContent(ansiToHtml(ansi));
    await page.screenshot({ path: out('obs-pick.png') });
    console.log(`wrote ${out('obs-pick.png')}`);
  } finally {
    try {
      tmux('kill-server');
    } catch {}
    await emu.close();
  }
}

/** Renders SGR colour and style codes (16, 256 and RGB colours, bold, dim, underline, inverse) as HTML. */
function ansiToHtml(text) {
  const base16 = [
    '#1e1e1e',
    '#cd3131',
    '#0dbc79',
    '#e5e510',
    '#2472c8',
    '#bc3fbc',
    '#11a8cd',
    '#e5e5e5',
    '#666666',
    '#f14c4c',
    '#23d18b',
    '#f5f543',
    '#3b8eea',
    '#d670d6',
    '#29b8db',
    '#ffffff',
  ];
  const c256 = (n) => {
    if (n < 16) return base16[n];
    if (n < 232) {
      const v = [0, 95, 135, 175, 215, 255];
      const i = n - 16;
      return `rgb(${v[Math.floor(i / 36)]},${v[Math.floor(i / 6) % 6]},${v[i % 6]})`;
    }
    const g = 8 + (n - 232) * 10;
    return `rgb(${g},${g},${g})`;
  };
  let st = {};
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let html = '';
  const ESC = String.fromCharCode(27);
  for (const part of text.split(new RegExp(`(${ESC}\\[[0-9;]*m)`))) {
    const m = new RegExp(`^${ESC}\\[([0-9;]*)m$`).exec(part);
    if (!m) {
      if (!part) continue;
      let fg = st.fg ?? '#d4d4d4';
      let bg = st.bg ?? 'transparent';
      if (st.inverse) [fg, bg] = [bg === 'transparent' ? '#1e1e1e' : bg, fg];
      const css = [
        `color:${fg}`,
        `background:${bg}`,
        st.bold ? 'font-weight:bold' : '',
        st.dim ? 'opacity:.6' : '',
        st.underline ? 'text-decoration:underline' : '',
      ]
        .filter(Boolean)
        .join(';');
      html += `<span style="${css}">${esc(part)}</span>`;
      continue;
    }
    const codes = (m[1] || '0').split(';').map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) st = {};
      else if (c === 1) st.bold = true;
      else if (c === 2) st.dim = true;
      else if (c === 4) st.underline = true;
      else if (c === 7) st.inverse = true;
      else if (c === 22) st.bold = st.dim = false;
      else if (c === 24) st.underline = false;
      else if (c === 27) st.inverse = false;
      else if (c >= 30 && c <= 37) st.fg = base16[c - 30];
      else if (c >= 90 && c <= 97) st.fg = base16[c - 90 + 8];
      else if (c >= 40 && c <= 47) st.bg = base16[c - 40];
      else if (c === 39) st.fg = undefined;
      else if (c === 49) st.bg = undefined;
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
        st[c === 38 ? 'fg' : 'bg'] = c256(codes[i + 2]);
        i += 2;
      } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
        st[c === 38 ? 'fg' : 'bg'] = `rgb(${codes[i + 2]},${codes[i + 3]},${codes[i + 4]})`;
        i += 4;
      }
    }
  }
  return `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:20px;font:15px/19px 'DejaVu Sans Mono',monospace;color:#d4d4d4">${html}</pre></body>`;
}
