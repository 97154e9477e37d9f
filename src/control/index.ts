// src/control: profiling backends (gperftools through the shim's control thread, perf record), profile files and
// their verification, and the report text the files view shows. No React here.
export { ProfilingControl, EINTR_NOTE, kb, type ProfileResult, type ProfilingControlOptions } from './profiler.js';
export { OutDir } from './outDir.js';
export { ControlChannel, Cmd, Ack, type ControlState, type ControlEntry } from './channel.js';
export { PerfRecorder, PERF_MISSING } from './perf.js';
export { globMatch, matchesImage, commOf, basename } from './match.js';
export { parseProfileName, defaultOutName, safeComm, perfDataName, newestHeapDump, parseControlName } from './names.js';
export { parsePprofText, parsePerfReport, reportLines, type Report, type ReportLine } from './reports.js';
export { verifyFile } from './verify.js';
export { hideControlThreads, CONTROL_THREAD } from './hideControl.js';
export { profilingEnv, findTcmalloc, imageArgv0, rootCounted } from './env.js';
