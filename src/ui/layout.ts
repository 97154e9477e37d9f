// How the rows of the terminal are shared out. The frame is never taller than rows - 1: at full height Ink
// clears the screen and the scrollback on every update.
export interface Layout {
  cols: number;
  /** Lines the whole frame uses (rows - 1). */
  frame: number;
  header: number;
  /** Main area: table (with its column header) or an overlay. */
  main: number;
  /** App pane including its one-line title rule; 0 when there is no room. */
  pane: number;
  footer: number;
}

export function computeLayout(rows: number, cols: number, hasScreen: boolean): Layout {
  const frame = Math.max(1, rows - 1);
  const header = frame >= 6 ? 2 : frame >= 3 ? 1 : 0;
  const footer = frame >= 2 ? 1 : 0;
  const rest = frame - header - footer;
  let pane = 0;
  if (rest >= 8) pane = hasScreen ? Math.max(3, Math.floor(frame / 3)) : 1;
  return { cols: Math.max(1, cols), frame, header, main: rest - pane, pane, footer };
}
