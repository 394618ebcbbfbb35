/**
 * `make local`: moto as the AWS endpoint, the stack's resources on it, and the consumer.
 *
 *     node scripts/local.mjs server          # start everything; Ctrl-C stops everything
 *     node scripts/local.mjs server --stop   # stop a stack left running (make local-stop)
 *
 * moto runs as a child process on a loopback port (LOCAL_PORT, else the first free port from
 * 4566) and logs to .local/moto.log. Its state lives in memory: stopping it discards every queue,
 * table and message. The endpoint and the queues' URLs go to .local/env, which `make send` and
 * `make dlq` read.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

import * as config from './config.js';
import { EventSource, outcomes } from './event-source.js';
import { createAll, localClientConfig, maxReceiveCount, queueArn } from './resources.js';
import {
  isAlive,
  readState,
  removeState,
  SERVER_LOG,
  STATE_DIR,
  STATE_FILE,
  useLocalStack,
  writeState,
} from './state.js';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 4566;
const PORTS_TO_TRY = 50;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
// Long enough not to spin, short enough that moto does not hold many idle polls.
const POLL_WAIT_SECONDS = 5;
const STATUS_REFRESH_MS = 1_000;

const log = (message: string): void => {
  process.stderr.write(`[local] ${message}\n`);
};

class Exit extends Error {
  override readonly name = 'Exit';
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen(port, HOST, () => {
      probe.close(() => {
        resolve(true);
      });
    });
  });
}

/** LOCAL_PORT when set (and free), else the first free port from 4566. */
async function choosePort(): Promise<number> {
  const explicit = (process.env.LOCAL_PORT ?? '').trim();
  if (explicit) {
    const port = Number(explicit);
    if (!(await portIsFree(port))) {
      throw new Exit(`Port ${port} (LOCAL_PORT) is in use; choose another LOCAL_PORT.`);
    }
    return port;
  }
  for (let port = DEFAULT_PORT; port < DEFAULT_PORT + PORTS_TO_TRY; port += 1) {
    if (await portIsFree(port)) return port;
  }
  throw new Exit(`No free port in ${DEFAULT_PORT}-${DEFAULT_PORT + PORTS_TO_TRY - 1}.`);
}

/** $MOTO_SERVER, else .venv/bin/moto_server (`make install`), else moto_server on the PATH. */
function motoServerCommand(): string {
  if (process.env.MOTO_SERVER) return process.env.MOTO_SERVER;
  if (existsSync('.venv/bin/moto_server')) return '.venv/bin/moto_server';
  return 'moto_server';
}

/** Start moto_server in its own process group, so that Ctrl-C reaches us, not it. */
function startMoto(port: number): ChildProcess {
  mkdirSync(STATE_DIR, { recursive: true });
  const output = openSync(SERVER_LOG, 'a');
  return spawn(motoServerCommand(), ['-H', HOST, '-p', String(port)], {
    stdio: ['ignore', output, output],
    detached: true,
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** How much of the moto log earlier runs wrote: this run's lines start there. */
function logSize(): number {
  return existsSync(SERVER_LOG) ? statSync(SERVER_LOG).size : 0;
}

/**
 * Wait until our moto_server says it listens. Another process can take the port between the
 * check and moto's bind (two `make local` started at once); answering on the port is then no
 * proof, so only our child's own "Running on" line counts.
 */
async function waitUntilListening(
  moto: ChildProcess,
  port: number,
  logStart: number,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const ours = (): string => readFileSync(SERVER_LOG).subarray(logStart).toString('utf8');
  while (Date.now() < deadline) {
    if (moto.exitCode !== null || moto.signalCode !== null) {
      const tail = ours().slice(-2000);
      throw new Exit(
        `moto_server exited with ${moto.exitCode ?? moto.signalCode ?? '?'} ` +
          `(run \`make install\`, or set MOTO_SERVER):\n${tail}`,
      );
    }
    if (ours().includes(`Running on http://${HOST}:${port}`) && (await listening(port))) return;
    await sleep(100);
  }
  throw new Exit(`moto_server did not listen on ${HOST}:${port} within ${START_TIMEOUT_MS} ms`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if ((await Promise.race([exited, sleep(STOP_TIMEOUT_MS, 'timeout')])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

const shown = (path: string): string => relative(process.cwd(), path) || path;

/** One line that says how the consumer is doing: redrawn in place on a terminal. */
class StatusLine {
  // Undefined, whatever the types say, when stdout is not a terminal.
  private readonly interactive = process.stdout.isTTY;
  private shown = '';
  private drawn = false;
  private queried = 0;
  private inFlight = '?';
  private inDlq = '?';

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly dlqUrl: string,
  ) {}

  private async depths(): Promise<void> {
    if (Date.now() - this.queried < STATUS_REFRESH_MS) return;
    this.queried = Date.now();
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;
    const [queue, dlq] = await Promise.all(
      [this.queueUrl, this.dlqUrl].map((url) =>
        this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...names] })),
      ),
    );
    this.inFlight = queue?.Attributes?.ApproximateNumberOfMessagesNotVisible ?? '?';
    const dlqDepths = Object.values(dlq?.Attributes ?? {});
    this.inDlq = String(dlqDepths.reduce((sum, value) => sum + Number(value), 0));
  }

  async show(source: EventSource): Promise<void> {
    await this.depths();
    const text = `${outcomes(source.stats)} | in flight ${this.inFlight} | in DLQ ${this.inDlq}`;
    if (this.interactive) {
      process.stdout.write(`\r\u001b[K${text}`);
      this.drawn = true;
    } else if (text !== this.shown) {
      process.stdout.write(`[local] status: ${text}\n`);
    }
    this.shown = text;
  }

  /** Make room for other output (the handler's logs) below a drawn status. */
  clear(): void {
    if (this.drawn) {
      process.stdout.write('\r\u001b[K');
      this.drawn = false;
    }
  }
}

async function serve(): Promise<void> {
  const existing = readState();
  if (existing) {
    const pid = Number(existing.LOCAL_PID ?? 0);
    if (isAlive(pid)) {
      throw new Exit(
        `A local stack is already running (pid ${pid}, ${existing.AWS_ENDPOINT_URL ?? '?'}). ` +
          'Stop it with `make local-stop`.',
      );
    }
    removeState();
  }
  const port = await choosePort();
  const endpoint = `http://${HOST}:${port}`;
  const logStart = logSize();
  const moto = startMoto(port);
  const controller = new AbortController();
  let source: EventSource | undefined;
  // An object, not a let: the signal handlers change it.
  const run = { stopping: false };
  const stopping = (): boolean => run.stopping;

  // Ctrl-C, `make local-stop` (SIGTERM) and a closed terminal (SIGHUP) all clean up.
  const stop = async (): Promise<void> => {
    if (stopping()) return;
    run.stopping = true;
    controller.abort();
    await stopProcess(moto);
    removeState();
    try {
      process.stdout.write('\n');
      log(source ? `stopped moto and the consumer: ${outcomes(source.stats)}` : 'stopped moto');
    } catch {
      // the terminal may be gone
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      void stop().finally(() => process.exit(0));
    });
  }

  try {
    await waitUntilListening(moto, port, logStart);
    const resources = await createAll(endpoint);
    const environment: Record<string, string> = {
      ...resources,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: config.REGION,
      AWS_DEFAULT_REGION: config.REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_SERVICE_NAME: config.SERVICE_NAME,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      RETRY_BACKOFF_BASE_SECONDS:
        process.env.RETRY_BACKOFF_BASE_SECONDS ?? String(config.RETRY_BACKOFF_BASE_SECONDS),
      RETRY_BACKOFF_MAX_SECONDS:
        process.env.RETRY_BACKOFF_MAX_SECONDS ?? String(config.RETRY_BACKOFF_MAX_SECONDS),
      // The local queue's redrive policy holds this same value.
      MAX_RECEIVE_COUNT: String(config.MAX_RECEIVE_COUNT),
      RECORD_CONCURRENCY: process.env.RECORD_CONCURRENCY ?? String(config.RECORD_CONCURRENCY),
    };
    const state = {
      ...environment,
      LOCAL_PORT: String(port),
      LOCAL_PID: String(process.pid),
      LOCAL_SERVER_PID: String(moto.pid ?? 0),
    };
    writeState(state);
    useLocalStack(state);

    const queueUrl = environment.QUEUE_URL ?? '';
    const dlqUrl = environment.DLQ_URL ?? '';
    const sqs = new SQSClient(localClientConfig(endpoint));
    const status = new StatusLine(sqs, queueUrl, dlqUrl);
    // Imported now, after the environment points at the local stack: the handler reads its
    // settings at cold start.
    const { handler } = await import('../../src/handler.js');
    const { sqs: consumerSqs } = await import('../../src/clients.js');
    source = new EventSource(
      async (event, context) => {
        status.clear();
        return handler(event, context);
      },
      sqs,
      queueUrl,
      await queueArn(sqs, queueUrl),
      { maxReceiveCount: await maxReceiveCount(sqs, queueUrl) },
    );
    // The consumer's own sends to the DLQ: permanent failures it forwarded with a reason.
    source.watchDeadLetterForwards(consumerSqs(), dlqUrl);
    const window =
      source.batchingWindowSeconds > 0 ? `, batching window ${source.batchingWindowSeconds} s` : '';
    for (const line of [
      `moto on ${endpoint} (log: ${shown(SERVER_LOG)})`,
      `queue ${queueUrl}`,
      `DLQ   ${dlqUrl}`,
      `settings for make send/dlq: ${shown(STATE_FILE)}`,
      `consumer src/handler.ts handler: batch size ${source.batchSize}${window}, ` +
        `timeout ${config.LAMBDA_TIMEOUT_SECONDS} s, ` +
        `${config.MAX_RECEIVE_COUNT} attempts before SQS moves a message to the DLQ`,
      ...(config.SENDS_EMAIL ? ["e-mails sent through moto's SES: make sent-emails"] : []),
      "Ctrl-C stops everything (moto's queues and data go with it).",
    ]) {
      log(line);
    }

    await status.show(source);
    while (!stopping()) {
      try {
        const invocation = await source.pollOnce(POLL_WAIT_SECONDS, controller.signal);
        if (invocation?.error !== undefined) {
          status.clear();
          log(`batch of ${invocation.messageIds.length} failed: ${invocation.error}`);
        }
        await status.show(source);
      } catch (error) {
        if (stopping()) break;
        log(`polling failed, trying again: ${String(error)}`);
        await sleep(1_000);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

function runs(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker);
  } catch {
    // No /proc (macOS): trust the pid.
    return true;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

/** Stop a local stack started by `make local` (it cleans up after itself when asked). */
async function stopStack(): Promise<void> {
  const state = readState();
  if (!state) {
    console.log(`No local stack is running (no ${shown(STATE_FILE)}).`);
    return;
  }
  for (const [name, marker] of [
    ['LOCAL_PID', 'local'],
    ['LOCAL_SERVER_PID', 'moto'],
  ] as const) {
    const pid = Number(state[name] ?? 0);
    if (pid && runs(pid, marker)) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, STOP_TIMEOUT_MS + 5_000))) process.kill(pid, 'SIGKILL');
    }
  }
  removeState();
  console.log(`Stopped the local stack on ${state.AWS_ENDPOINT_URL ?? '?'}.`);
}

try {
  await (process.argv.includes('--stop') ? stopStack() : serve());
} catch (error) {
  if (!(error instanceof Exit)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
