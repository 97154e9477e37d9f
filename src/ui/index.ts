// The UI's public surface for src/app and src/cli.
export { runTui, type TuiOptions } from './runTui.js';
export { loadTheme, builtinThemes, type Theme } from './theme.js';
