/**
 * Global setup: start moto in server mode on a free loopback port for the whole test run, and
 * stop it afterwards. The endpoint reaches the tests through `inject('motoEndpoint')`.
 *
 * The moto_server used is $MOTO_SERVER, else .venv/bin/moto_server (what `make install`
 * creates), else moto_server on the PATH. With $MOTO_ENDPOINT set, the tests use a moto server
 * already running there instead (for example the motoserver/moto container) and leave it running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

function motoServerCommand(): string {
  if (process.env.MOTO_SERVER) return process.env.MOTO_SERVER;
  if (existsSync('.venv/bin/moto_server')) return '.venv/bin/moto_server';
  return 'moto_server';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

let moto: ChildProcess | undefined;

/** Use a moto server someone else runs; every test names its own resources, so it can be shared. */
async function useRunningServer(
  project: TestProject,
  endpoint: string,
): Promise<() => Promise<void>> {
  try {
    await fetch(`${endpoint}/moto-api/data.json`);
  } catch (error) {
    throw new Error(`MOTO_ENDPOINT=${endpoint} does not answer`, { cause: error });
  }
  project.provide('motoEndpoint', endpoint);
  return async () => {};
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.MOTO_ENDPOINT) return useRunningServer(project, process.env.MOTO_ENDPOINT);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const command = motoServerCommand();
  const output: string[] = [];
  moto = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  moto.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  moto.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  // An object, not a let: the process's event handlers change it.
  const state = { exited: false };
  moto.once('exit', () => (state.exited = true));
  moto.once('error', (error) => {
    state.exited = true;
    output.push(String(error));
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (state.exited) {
      throw new Error(
        `${command} did not start (run \`make install\`, or set MOTO_SERVER):\n${output.join('')}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint}`);
    await sleep(100);
  }
  project.provide('motoEndpoint', endpoint);
  return async () => {
    if (moto && !state.exited) {
      const stopped = new Promise((resolve) => moto?.once('exit', resolve));
      moto.kill('SIGTERM');
      await Promise.race([stopped, sleep(5_000)]);
      const exited = (): boolean => state.exited;
      if (!exited()) moto.kill('SIGKILL');
    }
  };
}
