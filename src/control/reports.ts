// Top entries of a profile, parsed from the text the standard tools print (pure; the tools run in tools.ts):
// `google-pprof --text EXE FILE` for gperftools CPU and heap profiles, `perf report --stdio` for perf.data.

export interface ReportLine {
  /** Share of the total, 0..100. */
  pct: number;
  /** Function (pprof) or "comm  dso  symbol" (perf). */
  what: string;
  /** The line as the tool printed it, trimmed. */
  text: string;
}

export interface Report {
  /** "Total: 97 samples" / "Total: 4.0 MB" / "Samples: 13 of event 'cpu-clock'". */
  total: string;
  top: ReportLine[];
}

/** google-pprof --text: "Total: N samples" (or MB), then "flat flat% sum% cum cum% name" rows. */
export function parsePprofText(text: string, limit = 10): Report {
  let total = '';
  const top: ReportLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('Total:')) {
      total = line;
      continue;
    }
    const m = /^(\S+)\s+([\d.]+)%\s+([\d.]+)%\s+(\S+)\s+([\d.]+)%\s+(.+)$/.exec(line);
    if (m && top.length < limit) top.push({ pct: Number(m[2]), what: m[6].trim(), text: line });
  }
  return { total, top };
}

/** perf report --stdio --no-children -g none: "#"-comments (one says "Samples: …"), then "  12.34%  comm  dso  [.] sym". */
export function parsePerfReport(text: string, limit = 10): Report {
  let total = '';
  const top: ReportLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const s = /^#\s*(Samples:.*)$/.exec(line);
    if (s && !total) {
      total = s[1].trim();
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([\d.]+)%\s+(.+)$/.exec(line);
    if (m && top.length < limit) top.push({ pct: Number(m[1]), what: m[2].replace(/\s+/g, ' ').trim(), text: line });
  }
  return { total, top };
}

/** The lines the files view shows under a file. */
export function reportLines(r: Report): string[] {
  return [r.total, ...r.top.map((l) => `${l.pct.toFixed(1).padStart(5)}%  ${l.what}`)].filter((l) => l !== '');
}
