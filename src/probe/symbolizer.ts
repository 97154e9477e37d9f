// Turns the shim's "0x1234 (app)" into "on_usr1": finds the object's path in the process's maps, reads its ELF
// symbol table once (cached by path, size and mtime), and looks the offset up. Anything it cannot resolve is
// returned unchanged, so an unresolved name is never worse than what the shim wrote.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseElfSymbols, parseUnresolved, symbolAt, type ElfSymbolTable } from './elfSymbols.js';
import { Demangler } from './demangle.js';

const MAX_ELF_BYTES = 256 * 1024 * 1024;

export class Symbolizer {
  private readonly tables = new Map<string, { key: string; table: ElfSymbolTable | null }>();
  private readonly objects = new Map<number, Map<string, string>>();

  private readonly demangler = new Demangler();

  constructor(private readonly procRoot = '/proc') {}

  /** The shim's text with addresses turned into names, and C++ names demangled. */
  resolve(pid: number, text: string): string {
    return this.demangler.text(this.named(pid, text));
  }

  private named(pid: number, text: string): string {
    const u = parseUnresolved(text);
    if (!u) return text;
    const path = this.pathFor(pid, u.object);
    const table = path ? this.table(path) : null;
    const name = table ? symbolAt(table, u.offset) : undefined;
    return name ? `${u.prefix}${name}` : text;
  }

  forget(pid: number): void {
    this.objects.delete(pid);
  }

  private pathFor(pid: number, object: string): string | null {
    if (object.startsWith('/')) return object;
    let known = this.objects.get(pid);
    if (!known?.has(object)) {
      known = this.readMaps(pid);
      this.objects.set(pid, known);
    }
    return known.get(object) ?? null;
  }

  /** basename → path of every file mapped; a leader that exited has empty maps, so a live task's are read. */
  private readMaps(pid: number): Map<string, string> {
    const out = new Map<string, string>();
    const sources = [`${this.procRoot}/${pid}/maps`];
    try {
      for (const tid of readdirSync(`${this.procRoot}/${pid}/task`)) sources.push(`${this.procRoot}/${pid}/task/${tid}/maps`);
    } catch {
      // gone: nothing to map
    }
    for (const src of sources) {
      let text = '';
      try {
        text = readFileSync(src, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const at = line.indexOf('/');
        if (at < 0) continue;
        const path = line.slice(at).replace(/ \(deleted\)$/, '');
        if (!out.has(basename(path))) out.set(basename(path), path);
      }
      if (out.size > 0) break;
    }
    return out;
  }

  private table(path: string): ElfSymbolTable | null {
    let key: string;
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_ELF_BYTES) return null;
      key = `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {
      return null;
    }
    const cached = this.tables.get(path);
    if (cached?.key === key) return cached.table;
    let table: ElfSymbolTable | null = null;
    try {
      table = parseElfSymbols(readFileSync(path));
    } catch {
      table = null;
    }
    this.tables.set(path, { key, table });
    return table;
  }
}
