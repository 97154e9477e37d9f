// The supervisor's public face: session, environment, command lookup, launch, and init's status file.
export { sessionId, createSessionDir, collectStaleSessionDirs, SESSION_ROOTS, sessionRoot, addCleanup, runCleanups, exitOnSignals, type SessionDir } from './session.js';
export { shimEnv, DEFAULT_SHM_DIR, type ShimEnvOptions } from './env.js';
export { resolveCommand, type Resolved } from './resolve.js';
export { launch, type LaunchOptions, type RunningTree } from './launch.js';
export { parseStatusLines, exitInfoFromWaitStatus, exitCodeOf, StatusFile } from './status.js';
export { INIT_PATH, builtShimPath } from './paths.js';
