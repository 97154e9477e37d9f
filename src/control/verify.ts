// After each dump: the file exists, is not empty and was written after the request (a stale file of the same
// name does not count). Sizes are what the status line and the dump event report.
import { statSync } from 'node:fs';

export interface Verified {
  file: string;
  size: number;
}

export function verifyFile(file: string, sinceMs: number, what = 'profile'): Verified | { message: string } {
  let st;
  try {
    st = statSync(file);
  } catch {
    return { message: `no ${what} file was written (${file})` };
  }
  if (!st.isFile()) return { message: `${file} is not a regular file` };
  if (st.size === 0) return { message: `the ${what} file is empty (${file})` };
  // mtime has the file system's granularity: allow a second of slack.
  if (st.mtimeMs < sinceMs - 1000) return { message: `the ${what} file was not updated (${file})` };
  return { file, size: st.size };
}
