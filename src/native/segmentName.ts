// Segment file names, pure: perftop-<session>-<pid>-<gen>, with session = <perftop pid>x<hex>.

/** Where segments (and perftop's session directories) go. */
export const DEFAULT_SHM_DIR = '/dev/shm';

export interface SegmentName {
  session: string;
  pid: number;
  gen: number;
}

const NAME = /^perftop-([A-Za-z0-9_]+)-([1-9]\d{0,9})-(\d{1,9})$/;

export function parseSegmentName(name: string): SegmentName | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return { session: m[1], pid: Number(m[2]), gen: Number(m[3]) };
}

export function segmentPrefix(session: string): string {
  return `perftop-${session}-`;
}

/** The perftop pid that owns a session id ("4242x1a2b3c" → 4242), or null if the id is not perftop's form. */
export function sessionOwnerPid(session: string): number | null {
  const m = /^([1-9]\d{0,9})x[0-9a-f]+$/.exec(session);
  return m ? Number(m[1]) : null;
}
