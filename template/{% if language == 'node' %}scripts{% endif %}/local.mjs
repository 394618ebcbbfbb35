// Run the local tooling of scripts/local/ (make local, send, dlq) on Node.js 20 without a TypeScript
// loader: bundle the entry point with esbuild, as scripts/build.mjs bundles the handler, into
// .local/bin/, then run the bundle in this process.
//
//     node scripts/local.mjs server [--stop]
//     node scripts/local.mjs cli send|dlq [options]
/* global process */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { build } from 'esbuild';

const ENTRIES = { server: 'scripts/local/server.ts', cli: 'scripts/local/cli.ts' };
const [command = '', ...args] = process.argv.slice(2);
const entry = ENTRIES[command];
if (!entry) {
  process.stderr.write(`usage: node scripts/local.mjs ${Object.keys(ENTRIES).join('|')} ...\n`);
  process.exit(2);
}

const outdir = resolve(process.env.LOCAL_STATE_DIR ?? '.local', 'bin');
const result = await build({
  entryPoints: { [command]: entry },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  write: false,
});
await mkdir(outdir, { recursive: true });
// Written under a temporary name, then renamed: another command may be loading the last build.
for (const file of result.outputFiles) {
  const temporary = `${file.path}.${process.pid}.tmp`;
  await writeFile(temporary, file.contents);
  await rename(temporary, file.path);
}

// Stack traces point at scripts/local/*.ts and src/*.ts.
process.setSourceMapsEnabled(true);
// The AWS SDK warns on every command that its 2027 releases need Node.js 22; package.json's
// engines and the README say which Node.js this project needs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.argv = [process.argv[0], join(outdir, `${command}.mjs`), ...args];
await import(pathToFileURL(join(outdir, `${command}.mjs`)).href);
