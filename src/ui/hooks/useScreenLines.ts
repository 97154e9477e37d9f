// The app pane's content: keeps the emulated terminal the pane's size and re-renders when the app writes, at most
// every 30 ms while the user types into the app (echo must feel immediate) and every 200 ms while only watching:
// each frame costs Ink a full re-tokenisation of the screen, the largest part of perftop's CPU.
import { useEffect, useLayoutEffect, useState } from 'react';
import type { AppScreen, ScreenLine } from '../../model/session.js';

export const TYPING_THROTTLE_MS = 30;
export const WATCHING_THROTTLE_MS = 200;

export function useScreenLines(screen: AppScreen | null, cols: number, rows: number, typing = false): ScreenLine[] {
  const throttleMs = typing ? TYPING_THROTTLE_MS : WATCHING_THROTTLE_MS;
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
      }, throttleMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [screen, throttleMs]);
  return screen ? screen.lines() : [];
}
