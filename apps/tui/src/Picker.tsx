// The picker's view: a controlled component that draws a PickerState and nothing else.
import { Spinner } from '@inkjs/ui';
import { Box, Text } from 'ink';
import { type ReactElement, useMemo } from 'react';
import { highlightRanges } from './filter.js';
import type { PickerState } from './state.js';

export interface PickerProps {
  state: PickerState;
  width: number;
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

export function Picker({ state, width, noColor, projectId }: PickerProps) {
  const locWidth = useMemo(() => widest(state.items, 'location'), [state.items]);
  const longestName = useMemo(() => widest(state.items, 'bucketName'), [state.items]);
  const accent = noColor ? undefined : 'cyan';
  const dim = !noColor;
  const count = state.status === 'ready' ? `${state.matches.length}/${state.items.length}` : '';
  const prompt = (
    <Box>
      <Text color={accent} bold>
        {'❯ '}
      </Text>
      <Text>{state.query}</Text>
      <Text inverse> </Text>
      <Box flexGrow={1} />
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
    return (
      <Box flexDirection="column" width={width}>
        {prompt}
        <Text color={noColor ? undefined : 'red'} bold>
          {`✖ ${state.error.code}`}
        </Text>
        <Text>{`  ${state.error.message}`}</Text>
        {state.error.requestId ? <Text dimColor={dim}>{`  request id ${state.error.requestId}`}</Text> : null}
        <Text dimColor={dim}>r retry · Esc quit</Text>
      </Box>
    );
  }

  const nameWidth = Math.max(8, Math.min(longestName, width - locWidth - 4));
  const rows: ReactElement[] = [];
  const end = Math.min(state.matches.length, state.offset + state.height);
  for (let pos = state.offset; pos < end; pos++) {
    const item = state.items[state.matches[pos] as number];
    if (!item) continue;
    const active = pos === state.cursor;
    rows.push(
      <Box key={item.bucketName + item.location}>
        <Text color={active ? accent : undefined} bold={active}>
          {active ? '▌ ' : '  '}
        </Text>
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
  let body: ReactElement | ReactElement[] = rows;
  if (state.items.length === 0) body = <Text>{`No buckets in this project: nothing to pick.`}</Text>;
  else if (state.matches.length === 0)
    body = <Text>{`No bucket matches "${state.query}". Backspace or Ctrl-U to widen.`}</Text>;

  return (
    <Box flexDirection="column" width={width}>
      {prompt}
      <Text dimColor={dim}>{`  ${'BUCKET'.padEnd(nameWidth)} LOCATION`}</Text>
      {body}
      <Text dimColor={dim}>↑↓ PgUp PgDn Home End move · Enter select · Esc cancel · type to filter</Text>
    </Box>
  );
}

/** Width of a column: its longest value over all rows, so columns do not shift while scrolling. */
function widest(items: PickerState['items'], field: 'bucketName' | 'location'): number {
  let w = 8;
  for (const item of items) if (item[field].length > w) w = item[field].length;
  return w;
}
