// The top component: sizes everything from the terminal, owns the UI state, and is the ONE place keys arrive.
// Keys go by priority: help overlay, signal menu, filter line, input mode, then global commands.
// UI state lives in a ref (read by the key handler, so two keys in one stdin chunk see each other's effect)
// and a counter re-renders after each change.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, useApp, useStdout } from 'ink';
import type { Session } from '../../model/session.js';
import type { ProcessInfo, Snapshot } from '../../model/snapshot.js';
import { Command, helpEntries, matches, type KeyEvent } from '../keys.js';
import { computeLayout } from '../layout.js';
import { filterItems, handlerNames, menuItems, needsConfirmation, type MenuItem } from '../signalMenuModel.js';
import type { SnapshotStore } from '../store.js';
import type { Theme } from '../theme.js';
import { ThemeContext } from '../themeContext.js';
import { buildRows, procKey, scrollTop, sortRows, type Row } from '../treeRows.js';
import { useKeypress } from '../hooks/useKeypress.js';
import { useSessionStore } from '../hooks/useSessionStore.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import { AllocTable, type AllocSort } from './AllocTable.js';
import { AppPane } from './AppPane.js';
import { FilesView } from './FilesView.js';
import { Header, VIEWS, type View } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { ProcessTable } from './ProcessTable.js';
import { SignalMenu, type MenuState } from './SignalMenu.js';
import { SignalsView, signalViewLines } from './SignalsView.js';
import { StatusLine, type Status } from './StatusLine.js';

/** Erase the whole screen and home the cursor. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H';
/** Longer than Ink's frame throttle (32 ms), short enough to read as part of the resize. */
const REPAINT_AFTER_RESIZE_MS = 100;

export interface AppProps {
  session: Session;
  theme: Theme;
  /** Leave the TUI (after quit) as soon as the app has exited. */
  exitWithApp: boolean;
  /** The terminal (an alternate screen) is ours to wipe: runTui. */
  ownsScreen?: boolean;
}

interface UiState {
  view: View;
  expanded: ReadonlySet<number>;
  filter: string;
  filterEditing: boolean;
  help: boolean;
  /** First help entry shown (the help scrolls when taller than the screen). */
  helpTop: number;
  menu: (MenuState & { proc: ProcessInfo }) | null;
  inputMode: boolean;
  status: (Status & { t: number }) | null;
  sort: AllocSort;
  selectedKey: string | null;
  detailTop: number;
  /** Files view: the selected file (null follows the newest). */
  fileIndex: number | null;
}

const SORTS: AllocSort[] = ['tree', 'live', 'rate'];
const STATUS_MS = 5000;

function rowsFor(snap: Snapshot | null, ui: UiState): Row[] {
  const rows = buildRows(snap, ui.expanded, ui.filter);
  if (ui.view !== 'allocations' || ui.sort === 'tree') return rows;
  return sortRows(rows, ui.sort === 'live' ? (x) => x.alloc?.liveBytes ?? -1 : (x) => x.alloc?.allocsPerSec ?? -1);
}

/** rowsFor, computed once per change of its inputs (snapshot and `expanded` are replaced, never mutated): a key
 * press and the frame it causes share one build instead of walking every process twice. */
function rowsCache(): (snap: Snapshot | null, ui: UiState) => Row[] {
  let last: { snap: Snapshot | null; expanded: ReadonlySet<number>; filter: string; view: string; sort: string; rows: Row[] } | null = null;
  return (snap, ui) => {
    if (last && last.snap === snap && last.expanded === ui.expanded && last.filter === ui.filter && last.view === ui.view && last.sort === ui.sort)
      return last.rows;
    last = { snap, expanded: ui.expanded, filter: ui.filter, view: ui.view, sort: ui.sort, rows: rowsFor(snap, ui) };
    return last.rows;
  };
}

function selectedIndex(rows: readonly Row[], key: string | null, fallback: number): number {
  const i = key ? rows.findIndex((r) => r.key === key) : -1;
  if (i >= 0) return i;
  return Math.max(0, Math.min(fallback, rows.length - 1));
}

function itemsFor(menu: NonNullable<UiState['menu']>, store: SnapshotStore): MenuItem[] {
  const proc = store.current?.processes.find((p) => p.pid === menu.pid) ?? menu.proc;
  return filterItems(menuItems(proc, menu.tid, handlerNames(store.events, menu.pid)), menu.query);
}

export function App({ session, theme, exitWithApp, ownsScreen }: AppProps) {
  const { exit } = useApp();
  const { write } = useStdout();
  const size = useTerminalSize();
  // After a resize the terminal has re-wrapped the old frame (a narrower one folds each line over two rows), and
  // the frame drawn at the new size went out as changes against lines that are no longer where Ink thinks: stale
  // rows stayed for good. So once the new size is drawn, wipe the screen through Ink's own write, which then puts
  // the whole current frame back. Once the size has been still for a moment, not at once: Ink's own resize handler
  // and its throttled frame writes run around ours in an order that varies (under load one landed after the
  // wipe, as changes against the wiped screen), and a window being dragged sends a burst of sizes.
  const drawnSize = useRef(size);
  useEffect(() => {
    if (drawnSize.current === size || !ownsScreen) return;
    drawnSize.current = size;
    const timer = setTimeout(() => write(CLEAR_SCREEN), REPAINT_AFTER_RESIZE_MS);
    return () => clearTimeout(timer);
  }, [size, ownsScreen, write]);
  const layout = computeLayout(size.rows, size.cols, session.screen !== null);
  const { store, version } = useSessionStore(session);
  const [, setTick] = useState(0);
  const rowsOf = useRef(rowsCache()).current;
  const ui = useRef<UiState>({
    view: 'processes', expanded: new Set(), filter: '', filterEditing: false, help: false, helpTop: 0, menu: null,
    inputMode: false, status: null, sort: 'tree', selectedKey: null, detailTop: 0, fileIndex: null,
  });
  // Report lines per profile file (null while google-pprof / perf report runs).
  const reports = useRef(new Map<string, string[] | null>());
  const lastIndex = useRef(0);
  const tops = useRef<Record<string, number>>({});
  const quitting = useRef(false);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;

  const update = useCallback((patch: Partial<UiState>) => {
    ui.current = { ...ui.current, ...patch };
    setTick((n) => n + 1);
  }, []);
  const say = useCallback((text: string, role: Status['role'] = 'text') => update({ status: { text, role, t: Date.now() } }), [update]);

  const quit = useCallback(() => {
    if (quitting.current) return;
    quitting.current = true;
    update({ help: false, menu: null, inputMode: false, filterEditing: false,
      status: { text: "quitting: ending the app's tree (TERM, then KILL after 3 s)…", role: 'warn', t: Date.now() } });
    session.quit().then(() => exit(), (e: unknown) => exit(e instanceof Error ? e : new Error(String(e))));
  }, [session, exit, update]);

  useEffect(() => {
    if (exitWithApp && session.appExit()) quit();
    // Nothing reads the keys any more once the app has exited: typing mode ends with it, so q quits again.
    else if (session.appExit() && ui.current.inputMode)
      update({ inputMode: false, status: { text: 'the app has exited: back to perftop keys', role: 'dim', t: Date.now() } });
  }, [version, exitWithApp, session, quit, update]);

  const send = useCallback(async (menu: MenuState, item: MenuItem) => {
    const target = menu.tid !== undefined ? { pid: menu.pid, tid: menu.tid } : { pid: menu.pid };
    update({ menu: null, status: { text: `sending ${item.name} to ${menu.tid ?? menu.pid}…`, role: 'dim', t: Date.now() } });
    try {
      const r = await session.sendSignal(target, item.num);
      say(r.message, r.ok ? 'ok' : 'fatal');
    } catch (e) {
      say(`${item.name} → ${menu.tid ?? menu.pid}: ${(e as Error).message}`, 'fatal');
    }
  }, [session, update, say]);

  /** d / p / P on the selected process: a "…" line at once, the verified result when it is done. */
  const profile = useCallback(async (what: 'heap dump' | 'CPU profile' | 'perf record', proc: ProcessInfo | undefined) => {
    if (!proc) return say('no process selected', 'warn');
    if (proc.exited) return say(`${what}: ${proc.comm} ${proc.pid} has exited`, 'warn');
    const action = what === 'heap dump' ? session.heapDump : what === 'CPU profile' ? session.toggleCpuProfile : session.togglePerfRecord;
    if (!action) return say(`${what}: not available in this session`, 'warn');
    update({ status: { text: `${what}: ${proc.comm} ${proc.pid}…`, role: 'dim', t: Date.now() } });
    try {
      const r = await action.call(session, proc.pid);
      say(r.message, r.ok ? 'ok' : 'warn');
    } catch (e) {
      say(`${what} ${proc.pid}: ${(e as Error).message}`, 'fatal');
    }
  }, [session, update, say]);

  const onMenuKey = (key: KeyEvent) => {
    const menu = ui.current.menu!;
    const items = itemsFor(menu, store);
    if (menu.confirm) {
      if (matches(Command.Yes, key)) void send(menu, menu.confirm);
      else if (matches(Command.No, key)) update({ menu: { ...menu, confirm: null } });
      return;
    }
    const move = (to: number) => update({ menu: { ...menu, index: Math.max(0, Math.min(items.length - 1, to)) } });
    const page = Math.max(1, layoutRef.current.main + layoutRef.current.pane - 3);
    // Letters type into the menu's filter here, so only non-printing keys move.
    if (matches(Command.Cancel, key)) update({ menu: null });
    else if (key.name === 'up') move(menu.index - 1);
    else if (key.name === 'down') move(menu.index + 1);
    else if (key.name === 'pageup') move(menu.index - page);
    else if (key.name === 'pagedown') move(menu.index + page);
    else if (key.name === 'home') move(0);
    else if (key.name === 'end') move(items.length - 1);
    else if (matches(Command.Accept, key)) {
      const item = items[menu.index];
      if (!item) return;
      if (needsConfirmation(item)) update({ menu: { ...menu, confirm: item } });
      else void send(menu, item);
    } else if (matches(Command.Erase, key)) update({ menu: { ...menu, query: menu.query.slice(0, -1), index: 0 } });
    else if (key.text && !key.ctrl && !key.meta) update({ menu: { ...menu, query: menu.query + key.text, index: 0 } });
  };

  const onFilterKey = (key: KeyEvent) => {
    const { filter } = ui.current;
    if (matches(Command.Cancel, key)) update({ filter: '', filterEditing: false });
    else if (matches(Command.Accept, key)) update({ filterEditing: false });
    else if (matches(Command.Erase, key)) update({ filter: filter.slice(0, -1) });
    else if (key.text && !key.ctrl && !key.meta) update({ filter: filter + key.text });
  };

  const onGlobalKey = (key: KeyEvent) => {
    const s = ui.current;
    const rows = rowsOf(store.current, s);
    const index = selectedIndex(rows, s.selectedKey, lastIndex.current);
    const row = rows[index];
    const page = Math.max(1, layoutRef.current.main - 2);
    const select = (i: number) => {
      const r = rows[Math.max(0, Math.min(rows.length - 1, i))];
      if (r) update({ selectedKey: r.key, detailTop: 0 });
    };
    const detail = s.view === 'signals';
    const files = s.view === 'files' ? store.files.length : 0;
    const fileAt = s.fileIndex ?? files - 1;
    const selectFile = (i: number) => update({ fileIndex: Math.max(0, Math.min(files - 1, i)) });
    if (matches(Command.Quit, key)) quit();
    else if (files > 0 && matches(Command.Up, key)) selectFile(fileAt - 1);
    else if (files > 0 && matches(Command.Down, key)) selectFile(fileAt + 1);
    else if (files > 0 && matches(Command.Home, key)) selectFile(0);
    else if (files > 0 && matches(Command.End, key)) update({ fileIndex: null });
    else if (matches(Command.Help, key)) update({ help: true });
    else if (matches(Command.Up, key)) select(index - 1);
    else if (matches(Command.Down, key)) select(index + 1);
    else if (matches(Command.PageUp, key)) detail ? update({ detailTop: Math.max(0, s.detailTop - page) }) : select(index - page);
    else if (matches(Command.PageDown, key)) detail ? update({ detailTop: s.detailTop + page }) : select(index + page);
    else if (matches(Command.Home, key)) select(0);
    else if (matches(Command.End, key)) select(rows.length - 1);
    else if (matches(Command.Expand, key)) {
      if (row?.kind === 'proc' && row.proc.threads.length) update({ expanded: new Set([...s.expanded, row.proc.pid]) });
    } else if (matches(Command.Collapse, key)) {
      if (!row) return;
      const next = new Set(s.expanded);
      next.delete(row.proc.pid);
      update({ expanded: next, selectedKey: procKey(row.proc.pid) });
    } else if (matches(Command.NextView, key)) update({ view: VIEWS[(VIEWS.indexOf(s.view) + 1) % VIEWS.length], detailTop: 0 });
    else if (matches(Command.PrevView, key)) update({ view: VIEWS[(VIEWS.indexOf(s.view) + VIEWS.length - 1) % VIEWS.length], detailTop: 0 });
    else if (matches(Command.ViewProcesses, key)) update({ view: 'processes' });
    else if (matches(Command.ViewSignals, key)) update({ view: 'signals', detailTop: 0 });
    else if (matches(Command.ViewAllocations, key)) update({ view: 'allocations' });
    else if (matches(Command.ViewFiles, key)) update({ view: 'files' });
    else if (matches(Command.Filter, key)) update({ filterEditing: true });
    else if (matches(Command.Sort, key)) {
      if (s.view !== 'allocations') say('o sorts the allocations view (3)', 'dim');
      else update({ sort: SORTS[(SORTS.indexOf(s.sort) + 1) % SORTS.length] });
    } else if (matches(Command.HeapDump, key)) void profile('heap dump', row?.proc);
    else if (matches(Command.CpuProfile, key)) void profile('CPU profile', row?.proc);
    else if (matches(Command.PerfRecord, key)) void profile('perf record', row?.proc);
    else if (matches(Command.SignalMenu, key)) {
      if (!row) return say('no process selected', 'warn');
      if (row.proc.exited) return say(`${row.proc.comm} ${row.proc.pid} has exited: no signal can reach it`, 'warn');
      update({ menu: { pid: row.proc.pid, tid: row.kind === 'thread' ? row.thread.tid : undefined, comm: row.proc.comm,
        query: '', index: 0, confirm: null, proc: row.proc } });
    } else if (matches(Command.InputMode, key)) {
      if (!session.screen) say('attached: there is no PTY to type into', 'warn');
      else update({ inputMode: true, status: null });
    }
  };

  useKeypress((key) => {
    if (quitting.current) return;
    const s = ui.current;
    if (s.help) {
      // A help taller than the screen scrolls with the moving keys; any other key closes it.
      const room = Math.max(1, layoutRef.current.main + layoutRef.current.pane - 2);
      const max = Math.max(0, helpEntries().length - room);
      const step = matches(Command.Up, key) ? -1 : matches(Command.Down, key) ? 1 : matches(Command.PageUp, key) ? -room : matches(Command.PageDown, key) ? room : 0;
      if (step && max > 0) update({ helpTop: Math.max(0, Math.min(max, s.helpTop + step)) });
      else update({ help: false, helpTop: 0 });
    }
    else if (s.menu) onMenuKey(key);
    else if (s.filterEditing) onFilterKey(key);
    else if (s.inputMode) {
      if (matches(Command.LeaveInput, key)) update({ inputMode: false, status: { text: 'back to perftop keys', role: 'dim', t: Date.now() } });
      else session.writeToApp(key.raw);
    } else onGlobalKey(key);
  });

  // ---- drawing ----
  const s = ui.current;
  const snap = store.current;
  const rows = rowsOf(snap, s);
  const index = selectedIndex(rows, s.selectedKey, lastIndex.current);
  lastIndex.current = index;
  const row = rows[index];
  const { cols } = layout;
  const body = Math.max(0, layout.main - 1);
  const top = scrollTop(index, tops.current[s.view] ?? 0, body, rows.length);
  tops.current[s.view] = top;
  const overlay = s.help || s.menu;
  const events = store.events;
  const lastEvent = events[events.length - 1];
  // An action's result stays up for a few seconds even when the app keeps producing events.
  const status = s.status && (!lastEvent || lastEvent.t <= s.status.t || Date.now() - s.status.t < STATUS_MS) ? s.status : null;

  let main;
  if (s.help) main = <HelpOverlay width={cols} height={layout.main + layout.pane} top={s.helpTop} />;
  else if (s.menu) main = <SignalMenu state={s.menu} items={itemsFor(s.menu, store)} width={cols} height={layout.main + layout.pane} />;
  else if (s.view === 'processes') main = <ProcessTable rows={rows} selected={index} top={top} height={layout.main} width={cols} filter={s.filter} />;
  else if (s.view === 'allocations') {
    main = <AllocTable rows={rows} selected={index} top={top} height={layout.main} width={cols} version={version} filter={s.filter}
      series={(pid, tid) => store.allocSeries(pid, tid)} />;
  } else if (s.view === 'signals') {
    const lines = signalViewLines(row?.proc, row ? store.previousProcess(row.proc.pid) : undefined, events, cols, snap?.processes);
    // Keep the last page full; store the clamp so PgUp counts from what is shown.
    const detailTop = Math.max(0, Math.min(s.detailTop, lines.length - layout.main));
    ui.current.detailTop = detailTop;
    main = <SignalsView lines={lines} top={detailTop} height={layout.main} width={cols} />;
  } else {
    const files = store.files;
    const fileIndex = Math.max(0, Math.min(s.fileIndex ?? files.length - 1, files.length - 1));
    const chosen = files[fileIndex]?.file;
    let report: string[] | null | undefined;
    if (chosen && session.profileReport) {
      if (!reports.current.has(chosen)) {
        reports.current.set(chosen, null);
        session.profileReport(chosen).then(
          (lines) => reports.current.set(chosen, lines),
          (e: unknown) => reports.current.set(chosen, [`report failed: ${(e as Error).message}`]),
        ).finally(() => setTick((n) => n + 1));
      }
      report = reports.current.get(chosen);
    }
    main = <FilesView files={files} selected={fileIndex} report={report} outDir={session.outDir} height={layout.main} width={cols} />;
  }

  return (
    <ThemeContext value={theme}>
      <Box flexDirection="column" width={cols}>
        <Header width={cols} lines={layout.header} title={session.title} startedAt={session.startedAt}
          interval={session.interval} attached={session.attached} exit={session.appExit()}
          processes={snap?.processes.filter((p) => !p.exited).length ?? 0} view={s.view} filter={s.filter}
          sort={s.view === 'allocations' ? s.sort : null} inputMode={s.inputMode} snapshotT={snap?.t} />
        {main}
        {!overlay && layout.pane > 0 ? <AppPane screen={session.screen} width={cols} height={layout.pane} typing={s.inputMode} /> : null}
        {layout.footer > 0 ? <StatusLine width={cols} filterEditing={s.filterEditing} filter={s.filter} status={status} lastEvent={lastEvent} /> : null}
      </Box>
    </ThemeContext>
  );
}

