// The app's own terminal (from @xterm/headless through Session.screen), under the table.
import { Box, Text } from 'ink';
import type { AppScreen, ScreenRun } from '../../model/session.js';
import { useScreenLines } from '../hooks/useScreenLines.js';
import { fitRuns, Line, useTheme } from '../themeContext.js';

function Run({ run, colors }: { run: ScreenRun; colors: boolean }) {
  return (
    <Text
      color={colors ? run.fg : undefined}
      backgroundColor={colors ? run.bg : undefined}
      bold={run.bold}
      dimColor={run.dim}
      italic={run.italic}
      underline={run.underline}
      inverse={run.inverse}
    >
      {run.text}
    </Text>
  );
}

export function AppPane({ screen, width, height, typing }: { screen: AppScreen | null; width: number; height: number; typing: boolean }) {
  const theme = useTheme();
  const inner = Math.max(0, height - 1);
  const lines = useScreenLines(screen, width, inner, typing);
  if (height <= 0) return null;
  const title = typing ? ' app · typing (Ctrl-] returns) ' : screen ? ' app · i to type ' : ' app ';
  const rule = `──${title}${'─'.repeat(Math.max(0, width - title.length - 2))}`;
  if (!screen) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Line segs={[{ text: 'attached: the app writes to its own terminal, not here (no PTY in attach mode)', role: 'dim' }]} width={width} />
        {Array.from({ length: height - 1 }, (_, i) => <Text key={i}> </Text>)}
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[{ text: rule, role: typing ? 'accent' : 'border' }]} width={width} />
      {Array.from({ length: inner }, (_, i) => {
        // The emulator counts every character as one cell; the real terminal does not (CJK, emoji): fit by columns.
        const runs = fitRuns(lines[i] ?? [], width, (text): ScreenRun => ({ text }));
        return (
          <Text key={i} wrap="truncate">
            {runs.map((r, j) => <Run key={j} run={r} colors={theme.appColors} />)}
          </Text>
        );
      })}
    </Box>
  );
}
