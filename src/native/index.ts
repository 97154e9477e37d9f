// Public surface of the native side: the addon loader, the segment reader, stale-segment collection, signals, and
// where the shim is.
export { loadAddon, addonCandidates, type ReaderAddon, type RawSegment } from './addon.js';
export { SegmentReader, DEFAULT_SHM_DIR, type SegmentReaderOptions } from './segmentReader.js';
export { collectStaleSegments, pidAlive } from './stale.js';
export { sendSignal, type SignalTarget } from './signal.js';
export { shimPath } from './shimPath.js';
export { parseSegmentName, segmentPrefix, sessionOwnerPid, type SegmentName } from './segmentName.js';
export type * from './types.js';
