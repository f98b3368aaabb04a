// The picker's view: a controlled component that draws a PickerState and nothing else.
import { Spinner } from '@inkjs/ui';
import { Box, Text } from 'ink';
import { type ReactElement, useMemo } from 'react';
import { highlightRanges } from './filter.js';
import type { PickerState } from './state.js';

export interface PickerProps {
  state: PickerState;
  width: number;
  /** Rows the whole frame may take; the list gets what the prompt, header and footer leave. */
  rows: number;
  noColor: boolean;
  projectId?: string;
}

/** Lines drawn besides the list: prompt, column header, footer. */
export const CHROME_LINES = 3;

function truncate(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return `${text.slice(0, Math.max(0, width - 1))}…`;
}

function Highlighted({
  text,
  query,
  width,
  noColor,
}: {
  text: string;
  query: string;
  width: number;
  noColor: boolean;
}) {
  const shown = truncate(text, width);
  const ranges = query ? highlightRanges(shown, query) : [];
  if (ranges.length === 0) return <Text>{shown}</Text>;
  const parts: ReactElement[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) parts.push(<Text key={`p${at}`}>{shown.slice(at, start)}</Text>);
    parts.push(
      <Text key={`m${start}`} bold underline={noColor} color={noColor ? undefined : 'yellow'}>
        {shown.slice(start, end)}
      </Text>,
    );
    at = end;
  }
  if (at < shown.length) parts.push(<Text key={`p${at}`}>{shown.slice(at)}</Text>);
  return <Text>{parts}</Text>;
}

export function Picker({ state, width, rows, noColor, projectId }: PickerProps) {
  const locWidth = useMemo(() => widest(state.items, 'location'), [state.items]);
  const longestName = useMemo(() => widest(state.items, 'bucketName'), [state.items]);
  const accent = noColor ? undefined : 'cyan';
  const dim = !noColor;
  const ready = state.status === 'ready';
  const count = ready ? `${state.matches.length}/${state.items.length}` : '';
  const prompt = (
    <Box>
      <Text color={accent} bold>
        {'❯ '}
      </Text>
      <Text>{state.query}</Text>
      <Text inverse> </Text>
      <Box flexGrow={1} />
      {state.fetching && ready ? <Text dimColor={dim}>{'reloading… '}</Text> : null}
      {state.multi && ready ? (
        <Text color={state.selectedCount ? accent : undefined} dimColor={dim && !state.selectedCount}>
          {`${state.selectedCount} selected · `}
        </Text>
      ) : null}
      <Text dimColor={dim}>{count}</Text>
    </Box>
  );

  if (state.status === 'loading') {
    return (
      <Box flexDirection="column" width={width}>
        {prompt}
        <Spinner label={`Loading OBS buckets${projectId ? ` for project ${projectId}` : ''}…`} />
      </Box>
    );
  }
  if (state.status === 'error' && state.error) {
    const e = state.error;
    // Within `rows`: the request id is the first line to give up its place.
    const withId = e.requestId && rows >= 5;
    return (
      <Box flexDirection="column" width={width}>
        {prompt}
        <Text color={noColor ? undefined : 'red'} bold>
          {`✖ ${e.code}${e.status ? ` · HTTP ${e.status}` : ''}`}
        </Text>
        <Text wrap="truncate-end">{`  ${e.message}`}</Text>
        {withId ? <Text dimColor={dim}>{`  request id ${e.requestId}`}</Text> : null}
        <Text dimColor={dim}>r retry · Esc quit</Text>
      </Box>
    );
  }

  const mark = state.multi ? 2 : 0;
  const nameWidth = Math.max(8, Math.min(longestName, width - locWidth - 4 - mark));
  const list: ReactElement[] = [];
  const end = Math.min(state.matches.length, state.offset + state.height);
  for (let pos = state.offset; pos < end; pos++) {
    const item = state.items[state.matches[pos] as number];
    if (!item) continue;
    const index = state.matches[pos] as number;
    const active = pos === state.cursor;
    const on = state.multi && state.selected[index] === 1;
    list.push(
      <Box key={item.bucketName + item.location}>
        <Text color={active ? accent : undefined} bold={active}>
          {active ? '▌ ' : '  '}
        </Text>
        {state.multi ? <Text color={on ? accent : undefined}>{on ? '✔ ' : '  '}</Text> : null}
        <Text bold={active} color={active ? accent : undefined}>
          <Highlighted text={item.bucketName} query={state.query} width={nameWidth} noColor={noColor} />
        </Text>
        <Text> </Text>
        <Text dimColor={dim && !active}>
          <Highlighted text={item.location} query={state.query} width={locWidth} noColor={noColor} />
        </Text>
      </Box>,
    );
  }
  let body: ReactElement | ReactElement[] = list;
  if (state.items.length === 0) body = <Text>{`No buckets in this project: nothing to pick.`}</Text>;
  else if (state.matches.length === 0)
    body = <Text>{`No bucket matches "${state.query}". Backspace or Ctrl-U to widen.`}</Text>;

  return (
    <Box flexDirection="column" width={width}>
      {prompt}
      <Text dimColor={dim}>{`  ${' '.repeat(mark)}${'BUCKET'.padEnd(nameWidth)} LOCATION`}</Text>
      {body}
      <Text dimColor={dim} wrap="truncate-end">
        {state.multi
          ? 'Tab mark · Ctrl-A all · Enter pick marked · ↑↓ PgUp PgDn move · Ctrl-R reload · Esc cancel'
          : '↑↓ PgUp PgDn Home End move · Enter select · Ctrl-R reload · Esc cancel · type to filter'}
      </Text>
    </Box>
  );
}

/** Width of a column: its longest value over all rows, so columns do not shift while scrolling. */
function widest(items: PickerState['items'], field: 'bucketName' | 'location'): number {
  let w = 8;
  for (const item of items) if (item[field].length > w) w = item[field].length;
  return w;
}
