// The app pane's content: keeps the emulated terminal the pane's size and re-renders (at most every 40 ms)
// when the app writes.
import { useEffect, useLayoutEffect, useState } from 'react';
import type { AppScreen, ScreenLine } from '../../model/session.js';

const THROTTLE_MS = 40;

export function useScreenLines(screen: AppScreen | null, cols: number, rows: number): ScreenLine[] {
  const [, setVersion] = useState(0);
  // Layout effect: the emulator (and, through its owner, the PTY) takes the pane's new size in the same commit
  // as the new layout, so the app's SIGWINCH redraw is not a frame late.
  useLayoutEffect(() => {
    if (screen && cols > 0 && rows > 0) screen.resize(cols, rows);
  }, [screen, cols, rows]);
  useEffect(() => {
    if (!screen) return;
    let timer: NodeJS.Timeout | null = null;
    const off = screen.onChange(() => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        setVersion((v) => v + 1);
      }, THROTTLE_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [screen]);
  return screen ? screen.lines() : [];
}
