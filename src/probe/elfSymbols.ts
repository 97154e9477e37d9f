// Function symbols of an ELF64 little-endian file, from .symtab (or .dynsym when stripped). The shim names a
// handler or caller by dladdr, which only sees exported symbols: a plain `gcc app.c` handler comes out as
// "0x1234 (app)". perftop resolves such offsets here, from the file itself, so the user reads "on_usr1".
// Pure: takes the file's bytes, returns a sorted table.

export interface ElfSymbol {
  /** Offset from the object's load base (what dladdr's addr - dli_fbase gives). */
  start: number;
  size: number;
  name: string;
}

export interface ElfSymbolTable {
  symbols: ElfSymbol[];
}

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

export function parseElfSymbols(buf: Buffer): ElfSymbolTable | null {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return null; // "\x7fELF"
  if (buf[4] !== 2 || buf[5] !== 1) return null; // ELF64, little-endian only (x86_64, aarch64)
  const big = (o: number) => Number(buf.readBigUInt64LE(o));
  const phoff = big(0x20);
  const shoff = big(0x28);
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const inside = (o: number, n: number) => o >= 0 && n >= 0 && o + n <= buf.length;

  // The load base is the first PT_LOAD's page-aligned vaddr (0 for PIE and shared objects, 0x400000 for ET_EXEC).
  let base = Number.POSITIVE_INFINITY;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (!inside(o, 56)) return null;
    if (buf.readUInt32LE(o) !== PT_LOAD) continue;
    const vaddr = big(o + 0x10);
    const align = big(o + 0x30) || 1;
    base = Math.min(base, vaddr - (vaddr % align));
  }
  if (!Number.isFinite(base)) base = 0;

  const sections: Array<{ type: number; offset: number; size: number; link: number; entsize: number }> = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    if (!inside(o, 64)) return null;
    sections.push({
      type: buf.readUInt32LE(o + 4),
      offset: big(o + 0x18),
      size: big(o + 0x20),
      link: buf.readUInt32LE(o + 0x28),
      entsize: big(o + 0x38),
    });
  }
  const symtab = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
  if (!symtab || symtab.entsize < 24 || !inside(symtab.offset, symtab.size)) return { symbols: [] };
  const strtab = sections[symtab.link];
  if (!strtab || !inside(strtab.offset, strtab.size)) return { symbols: [] };

  const symbols: ElfSymbol[] = [];
  for (let o = symtab.offset; o + 24 <= symtab.offset + symtab.size; o += symtab.entsize) {
    const type = buf[o + 4] & 0xf;
    if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
    const value = big(o + 8);
    if (value === 0) continue;
    const nameOff = buf.readUInt32LE(o);
    if (nameOff >= strtab.size) continue;
    const from = strtab.offset + nameOff;
    const end = buf.indexOf(0, from);
    if (end < 0 || end > strtab.offset + strtab.size) continue;
    const name = buf.toString('utf8', from, end);
    if (name) symbols.push({ start: value - base, size: big(o + 16), name });
  }
  symbols.sort((a, b) => a.start - b.start);
  return { symbols };
}

/** The function containing `offset`, or undefined. A zero-sized symbol matches its exact address only. */
export function symbolAt(table: ElfSymbolTable, offset: number): string | undefined {
  const s = table.symbols;
  let lo = 0;
  let hi = s.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid].start <= offset) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return undefined;
  const sym = s[best];
  if (offset === sym.start || offset < sym.start + sym.size) return sym.name;
  return undefined;
}

/** "0x1353 (app)" or "handler 0x1234 (app)" → {prefix, offset, object}; anything else → null. */
export function parseUnresolved(text: string): { prefix: string; offset: number; object: string } | null {
  const m = /^(.*?)0x([0-9a-f]+) \(([^()]+)\)$/i.exec(text);
  if (!m) return null;
  return { prefix: m[1], offset: parseInt(m[2], 16), object: m[3] };
}
