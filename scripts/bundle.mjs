// Bundles the compiled CLI (dist/) into one file, dist/bundle/perftop.js, which bin/perftop loads when it is newer
// than dist/cli.js. Why: loading ink's module graph file by file (es-toolkit alone is hundreds of files) took ~0.6 s
// of the TUI's first frame; one file loads in ~0.14 s. Skipped, with a note, where esbuild is not installed (it
// comes with the dev dependency tsx): perftop then runs from dist/ as compiled, only slower to start.
// Every import.meta.url path in src/ is written from two levels below the package root, as the bundle is.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('perftop: esbuild not installed: no bundle, perftop runs from dist/ (slower start)');
  process.exit(0);
}

// ink imports react-devtools-core only when DEV=true, inside a try; it is not a dependency of ours.
const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'perftop-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'perftop-stub' }, () => ({ contents: "throw new Error('react-devtools-core is not installed');", loader: 'js' }));
  },
};

await esbuild.build({
  entryPoints: [`${root}dist/cli.js`],
  outfile: `${root}dist/bundle/perftop.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons stay where npm built them: node-pty is found through node_modules, ours by path (src/native).
  external: ['node-pty'],
  plugins: [noDevtools],
  // CommonJS dependencies call require(): an ES module has none of its own.
  banner: { js: "import { createRequire as __perftopRequire } from 'node:module'; const require = __perftopRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
