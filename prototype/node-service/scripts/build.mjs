// Bundle the handler into one minified ES module with a source map: dist/handler.mjs.
// The AWS SDK is bundled too, so the deployed code runs the versions in package-lock.json
// rather than whichever SDK the Lambda runtime ships.
/* global process, console */
import { rm, stat } from 'node:fs/promises';

import { build } from 'esbuild';

const target = process.env.LAMBDA_NODE_TARGET ?? 'node22';

await rm('dist', { recursive: true, force: true });
const result = await build({
  entryPoints: { handler: 'src/handler.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target,
  minify: true,
  sourcemap: true,
  // Source paths in the map are relative to dist/; no source text inlined, keeping the map small.
  sourcesContent: false,
  // Prefer the ES module builds of dependencies, which tree-shake better.
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const { size } = await stat('dist/handler.mjs');
console.log(
  `dist/handler.mjs: ${size} bytes (${Object.keys(result.metafile.inputs).length} inputs)`,
);
