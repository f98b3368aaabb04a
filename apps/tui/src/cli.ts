// obs-pick: fetch the buckets, decide what can be decided without a terminal, else draw the picker.
import { openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import { parseArgs } from 'node:util';
import { DbssClient, isValidProjectId, type ObsBucket, resolveEndpoint } from '@dbss-obs/core';
import type { HeightSpec } from './App.js';
import { describeError, EXIT, errorLine, exitCodeOf } from './errors.js';
import { matchingBuckets } from './filter.js';

export const HELP = `obs-pick: pick an OBS bucket that DBSS may back audit logs up into

Usage: obs-pick [options]
  --project-id ID   project to list (default: $HUAWEICLOUD_SDK_PROJECT_ID, else the
                    profile file's project_id, else the project named after the region)
  --region R        DBSS region, e.g. cn-north-4 (default: $HUAWEICLOUD_SDK_REGION)
  --endpoint URL    DBSS base URL, overrides the region (default: $DBSS_ENDPOINT)
  --query Q         start with this filter (terms match name or location); matches rank
                    exact name > name prefix > word start (after - _ . /) > other
  --no-sort         keep location-then-name order while filtering
  --multi           select several buckets (Tab, Shift-Tab, Ctrl-A); Enter prints each
  --height N|N%     draw inline in N rows (or N% of the terminal) below the prompt,
                    keeping the scrollback (default: the terminal's full height)
  --select-1        print the only match without drawing
  --exit-0          exit 1 at once when nothing matches
  --list            print every (matching) bucket, one per line, and exit
  --json            print {"bucket_name","location"} (with --list or --multi: a JSON array)
  --no-color        no colours (also: NO_COLOR=1)
  -h, --help        this text
  -V, --version     the version

Keys: ↑/↓ Ctrl-P/Ctrl-N PgUp/PgDn Home/End move · Enter select · Esc/Ctrl-C cancel
      type to filter · Backspace · Ctrl-U clear · Ctrl-R reload (keeps query and selection)
      --multi: Tab mark and move down · Shift-Tab mark and move up · Ctrl-A mark all matching
      (again: unmark them) · r retry after an error

Environment: HUAWEICLOUD_SDK_REGION DBSS_ENDPOINT HUAWEICLOUD_SDK_PROJECT_ID
  credentials, first found: HUAWEICLOUD_AUTH_TOKEN | HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK
  [HUAWEICLOUD_SDK_SECURITY_TOKEN] | HUAWEICLOUD_IAM_USER HUAWEICLOUD_IAM_PASSWORD HUAWEICLOUD_IAM_DOMAIN
  | profile ~/.huaweicloud/credentials (HUAWEICLOUD_SDK_CREDENTIALS_FILE) | DBSS_USE_ECS_METADATA=1
  HUAWEICLOUD_SDK_IAM_ENDPOINT DBSS_TIMEOUT_MS DBSS_MAX_RETRIES HTTPS_PROXY NO_PROXY NO_COLOR

Exit: 0 chosen · 1 nothing to choose · 2 usage, configuration or no terminal
      3 authentication or permission refused · 4 upstream or network failure · 130 cancelled

Examples:
  bucket=$(obs-pick --region cn-north-4)
  obs-pick --list --json | jq -r '.[].bucket_name'
  obs-pick --query backup --select-1 --exit-0
  obs-pick --multi --height 40% | xargs -n1 echo chosen:`;

/** A stream main() writes text to (process.stdout and process.stderr fit). */
export interface TextOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * main()'s world. The streams are typed by what main() needs, not by Node's stream types, so the
 * library's public types need no @types/node (process.stdin and friends fit).
 */
export interface Io {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: TextOut;
  stderr: TextOut;
  stdin: { isTTY?: boolean };
}

const VERSION = '0.1.0';

function usage(io: Io, message: string): number {
  io.stderr.write(`obs-pick: ${message}\nRun obs-pick --help for usage.\n`);
  return EXIT.usage;
}

const wire = (b: ObsBucket) => ({ bucket_name: b.bucketName, location: b.location });

/** The answer on stdout: names one per line; with --json one object, or (--list, --multi) an array. */
function output(buckets: readonly ObsBucket[], json: boolean, array: boolean): string {
  if (!json) return buckets.map((b) => `${b.bucketName}\n`).join('');
  const first = buckets[0];
  return `${JSON.stringify(array || !first ? buckets.map(wire) : wire(first))}\n`;
}

/** `--height N` or `N%`: N rows in all (prompt, header, list, footer), at least 4; or 1% to 100% of the terminal. */
export function parseHeight(value: string): HeightSpec | undefined {
  const m = /^([0-9]{1,5})(%?)$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n >= 1 && n <= 100 ? { percent: n } : undefined;
  return n >= 4 ? { rows: n } : undefined;
}

/** A terminal to read keys from and draw on: stdin + stderr when both are terminals, else /dev/tty. */
function openTerminal(io: Io): { input: ReadStream; output: WriteStream } | undefined {
  if (io.stdin.isTTY && io.stderr.isTTY) return { input: io.stdin as ReadStream, output: io.stderr as WriteStream };
  try {
    const fd = openSync('/dev/tty', 'r+');
    return { input: new ReadStream(fd), output: new WriteStream(fd) };
  } catch {
    return undefined;
  }
}

export async function main(io: Io): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: io.argv,
      options: {
        'project-id': { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        query: { type: 'string' },
        'select-1': { type: 'boolean' },
        'exit-0': { type: 'boolean' },
        list: { type: 'boolean' },
        json: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        'no-sort': { type: 'boolean' },
        multi: { type: 'boolean' },
        height: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usage(io, (err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return EXIT.chosen;
  }
  if (values.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.chosen;
  }

  // Everything is checked before any I/O. Without --project-id, core takes HUAWEICLOUD_SDK_PROJECT_ID,
  // the profile's project_id, or discovers the project named after the region.
  const projectId = values['project-id'] as string | undefined;
  if (projectId !== undefined && !isValidProjectId(projectId))
    return usage(io, `--project-id must be 32 to 64 letters and digits (got "${String(projectId).slice(0, 70)}").`);
  let height: HeightSpec | undefined;
  if (values.height !== undefined) {
    height = parseHeight(values.height as string);
    if (!height)
      return usage(
        io,
        `--height must be a number of rows (4 or more) or a percentage from 1% to 100% (got "${String(values.height).slice(0, 20)}").`,
      );
  }
  const region = values.region as string | undefined;
  const endpoint = values.endpoint as string | undefined;
  try {
    resolveEndpoint({ region, endpoint }, { region: '--region', endpoint: '--endpoint' });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  let client: DbssClient;
  try {
    client = DbssClient.fromEnv(io.env, { region, endpoint, projectId });
  } catch (err) {
    io.stderr.write(`${errorLine(describeError(err))}\n`);
    return EXIT.usage;
  }

  const query = (values.query as string | undefined) ?? '';
  const json = !!values.json;
  const multi = !!values.multi;
  const sort = !values['no-sort'];
  const noColor = !!values['no-color'] || !!io.env.NO_COLOR;
  const load = () => client.listObsBuckets({ projectId });
  const matching = (buckets: readonly ObsBucket[]) => matchingBuckets(buckets, query, sort);
  const fail = (err: unknown) => {
    const e = describeError(err);
    io.stderr.write(`${errorLine(e)}\n`);
    return exitCodeOf(e);
  };

  if (values.list) {
    let rows: ObsBucket[];
    try {
      rows = matching(await load());
    } catch (err) {
      return fail(err);
    }
    io.stdout.write(output(rows, json, true));
    return rows.length ? EXIT.chosen : EXIT.nothing;
  }

  // --select-1 and --exit-0 are decided on the fetched list, before a terminal is needed.
  let prefetched: readonly ObsBucket[] | undefined;
  if (values['select-1'] || values['exit-0']) {
    try {
      prefetched = await load();
    } catch (err) {
      return fail(err);
    }
    const rows = matching(prefetched);
    if (rows.length === 0 && values['exit-0']) {
      io.stderr.write(`obs-pick: nothing to choose${query ? ` for "${query}"` : ''}.\n`);
      return EXIT.nothing;
    }
    if (rows.length === 1 && values['select-1']) {
      io.stdout.write(output(rows, json, multi));
      return EXIT.chosen;
    }
  }

  const term = openTerminal(io);
  if (!term) {
    return usage(
      io,
      'no terminal to draw the picker on. In scripts use --list (every bucket) or --select-1 (the only match).',
    );
  }
  // Colour follows the terminal we draw on, not stdout (which is often a pipe: bucket=$(obs-pick)).
  if (noColor) io.env.FORCE_COLOR = '0';
  else if (io.env.FORCE_COLOR === undefined)
    io.env.FORCE_COLOR = String(Math.max(1, (Math.log2(term.output.getColorDepth()) / 2) | 0));
  // The first fetch starts now, while Ink and React load. Handed out once and then forgotten, so the
  // fetched array (100,000 objects at most) is garbage as soon as the picker has made its rows.
  let first = prefetched ? undefined : load();
  let ready = prefetched;
  // Settled while Ink loaded (the usual case): the picker starts with rows, without a loading frame.
  first?.then(
    (buckets) => {
      ready = buckets;
    },
    () => {}, // the picker shows the error, from loadOnce
  );
  const loadOnce = () => {
    const p = first ?? load();
    first = undefined;
    return p;
  };
  const takeReady = () => {
    const buckets = ready;
    ready = undefined;
    if (buckets) first = undefined;
    return buckets;
  };
  prefetched = undefined;
  const { pick } = await import('./pick.js');
  const result = await pick({
    load: loadOnce,
    initialBuckets: takeReady,
    query,
    noColor,
    projectId: projectId ?? client.projectId,
    multi,
    sort,
    height,
    stdin: term.input,
    output: term.output,
  });
  if (term.input !== io.stdin) term.input.destroy();
  if (result.kind === 'chosen') {
    io.stdout.write(output(result.buckets, json, multi));
    return EXIT.chosen;
  }
  if (result.kind === 'failed') {
    io.stderr.write(`${errorLine(result.error)}\n`);
    return exitCodeOf(result.error);
  }
  return EXIT.cancelled;
}
