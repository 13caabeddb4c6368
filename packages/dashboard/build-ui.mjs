// Builds the browser UI into dist/ui/ (index.html, app.js, app.css): Preact and uPlot
// bundled and minified by esbuild, so the package ships everything the page needs and
// nothing is fetched at run time. Run by the package's `build` script (and by the
// dashboard tests when dist/ui/ is missing or older than ui/).
import { copyFile, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';

const root = `${import.meta.dirname}/`;
const out = `${root}dist/ui/`;
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: `${root}ui/main.tsx` },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  logLevel: 'warning',
});
// The stylesheet: ours plus uPlot's.
await build({
  stdin: {
    contents: `@import "uplot/dist/uPlot.min.css";\n@import "./ui/style.css";\n`,
    resolveDir: root,
    loader: 'css',
  },
  bundle: true,
  minify: true,
  outfile: `${out}app.css`,
  logLevel: 'warning',
});
await copyFile(`${root}ui/index.html`, `${out}index.html`);
