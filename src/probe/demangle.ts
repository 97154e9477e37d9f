// C++ names as people read them: "_ZN14ProfileHandler11UpdateTimerEb" -> "ProfileHandler::UpdateTimer(bool)".
// binutils' c++filt does the demangling (Node has no demangler, and the Itanium grammar is not ours to redo); each
// name is looked up once per run. Without c++filt, names stay as they are.
import { execFileSync } from 'node:child_process';

const MANGLED = /\b_Z[A-Za-z0-9_.$]+/g;

export class Demangler {
  private readonly names = new Map<string, string>();
  private missing = false;

  constructor(private readonly tool = 'c++filt') {}

  /** `text` with every mangled name in it demangled. */
  text(text: string): string {
    const found = text.match(MANGLED);
    if (!found) return text;
    const fresh = [...new Set(found)].filter((n) => !this.names.has(n));
    if (fresh.length) this.lookUp(fresh);
    return text.replace(MANGLED, (n) => this.names.get(n) ?? n);
  }

  private lookUp(names: string[]): void {
    let out: string[] = [];
    if (!this.missing) {
      try {
        out = execFileSync(this.tool, names, { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
      } catch {
        this.missing = true; // not installed, or failed: keep the names as they are from now on
      }
    }
    names.forEach((n, i) => this.names.set(n, out[i] || n));
  }
}
