// Why a process may run without perftop's LD_PRELOAD shim: the dynamic loader never reads LD_PRELOAD for a
// static binary (no PT_INTERP) and ignores it for a setuid/setgid one (secure-execution mode). Read from the
// executable itself, so the allocations view can say "not counted: static binary" instead of showing zeros.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type ExeKind = 'dynamic' | 'static' | 'setuid' | 'unknown';

const PT_INTERP = 3;

/** Pure: the ELF header and program headers (first 4 KiB suffice for any normal binary). */
export function elfHasInterp(head: Buffer): boolean | null {
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46) return null;
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  if (!le) return null;
  const phoff = is64 ? Number(head.readBigUInt64LE(0x20)) : head.readUInt32LE(0x1c);
  const phentsize = head.readUInt16LE(is64 ? 0x36 : 0x2a);
  const phnum = head.readUInt16LE(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 4 > head.length) return null;
    if (head.readUInt32LE(o) === PT_INTERP) return true;
  }
  return false;
}

export function exeKind(pid: number, procRoot = '/proc'): ExeKind {
  const path = `${procRoot}/${pid}/exe`;
  try {
    const st = statSync(path);
    if (st.mode & 0o6000) return 'setuid';
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      const interp = elfHasInterp(head.subarray(0, n));
      return interp === null ? 'unknown' : interp ? 'dynamic' : 'static';
    } finally {
      closeSync(fd);
    }
  } catch {
    return 'unknown';
  }
}
