// Bundles the dashboard into ../dist with esbuild: app-<hash>.js,
// app-<hash>.css and index.html pointing at them. `node build.mjs`
// (or `make web`). Old bundles in dist/ are removed; dist/.gitkeep stays.
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
mkdirSync(dist, { recursive: true });
for (const f of readdirSync(dist)) {
  if (f !== '.gitkeep') rmSync(join(dist, f), { recursive: true, force: true });
}

const result = await esbuild.build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  splitting: true, // three.js loads as its own chunk, on first 3D view
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: dist,
  entryNames: 'app-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: 'asset-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});

const outs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outs.find((f) => f.startsWith('app-') && f.endsWith('.js'));
const css = outs.find((f) => f.endsWith('.css'));
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gowandb</title>
<link rel="icon" href="data:,">
${css ? `<link rel="stylesheet" href="/assets/${css}">` : ''}
<script type="module" src="/assets/${js}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
writeFileSync(join(dist, 'index.html'), html);
let size = 0;
for (const [p, o] of Object.entries(result.metafile.outputs)) size += o.bytes;
console.log(`web: built ${outs.join(', ')} and index.html in ${dist} (${(size / 1024).toFixed(0)} KiB)`);
