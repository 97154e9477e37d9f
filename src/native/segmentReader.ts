// Reads every segment of one perftop session from the segment directory: discovery here, validation and copying in
// the addon. A file that vanished between readdir and open (its owner's segment was just removed) or is still
// being created (0 bytes or no magic yet, less than CREATING_GRACE_MS old) is skipped, not reported.
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadAddon, type ReaderAddon } from './addon.js';
import { DEFAULT_SHM_DIR, parseSegmentName, segmentPrefix } from './segmentName.js';
import type { ReadResult, SegmentData } from './types.js';

export { DEFAULT_SHM_DIR };
const CREATING_GRACE_MS = 2000;

export interface SegmentReaderOptions {
  session: string;
  /** Default /dev/shm (the shim's PERFTOP_SHM_DIR default). */
  dir?: string;
}

/** True for addon messages that a segment being created right now also produces. */
export function looksUnfinished(message: string): boolean {
  return message.startsWith('truncated: 0 bytes') || message.startsWith('not initialised');
}

export class SegmentReader {
  readonly session: string;
  readonly dir: string;
  private readonly addon: ReaderAddon;
  private readonly prefix: string;

  constructor(opts: SegmentReaderOptions) {
    if (!/^[A-Za-z0-9_]+$/.test(opts.session)) throw new Error(`invalid session id: ${JSON.stringify(opts.session)}`);
    this.session = opts.session;
    this.dir = resolve(opts.dir ?? DEFAULT_SHM_DIR);
    this.prefix = segmentPrefix(opts.session);
    this.addon = loadAddon();
  }

  read(): ReadResult {
    const out: ReadResult = { segments: [], errors: [] };
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      out.errors.push({ file: this.dir, message: `cannot list segment directory: ${(err as Error).message}` });
      return out;
    }
    const mine = names
      .filter((n) => n.startsWith(this.prefix))
      .map((n) => ({ file: join(this.dir, n), id: parseSegmentName(n) }))
      .filter((x) => x.id !== null && x.id.session === this.session)
      .sort((a, b) => a.id!.pid - b.id!.pid || a.id!.gen - b.id!.gen);
    // The addon keeps segments mapped between reads; the ones no longer listed (removed) are unmapped here.
    this.addon.retainSegments(join(this.dir, this.prefix), mine.map((x) => x.file));
    for (const { file, id } of mine) {
      const raw = this.addon.readSegment(file, id!.pid, id!.gen);
      if (typeof raw === 'string') {
        if (raw.includes('No such file or directory')) continue;
        if (looksUnfinished(raw) && isYoung(file)) continue;
        out.errors.push({ file, message: raw });
        continue;
      }
      const seg: SegmentData = {
        pid: raw.pid,
        gen: raw.gen,
        file,
        total: raw.total,
        threads: raw.threads,
        history: raw.history,
        timers: raw.timers,
        closed: raw.closed,
        execed: raw.execed,
        comm: raw.comm,
        exitStatus: raw.exitStatus,
        counting: raw.counting,
      };
      out.segments.push(seg);
    }
    return out;
  }

  /** Unmap every segment this reader keeps mapped (the files stay). */
  close(): void {
    this.addon.retainSegments(join(this.dir, this.prefix), []);
  }

  /** Remove one of this session's segments (after its owner's exit and final read). A missing file is fine. */
  remove(file: string): void {
    const abs = resolve(file);
    const id = parseSegmentName(basename(abs));
    if (resolve(abs, '..') !== this.dir || !id || id.session !== this.session)
      throw new Error(`not a segment of session ${this.session} in ${this.dir}: ${file}`);
    try {
      unlinkSync(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function isYoung(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < CREATING_GRACE_MS;
  } catch {
    return true; /* gone meanwhile */
  }
}
