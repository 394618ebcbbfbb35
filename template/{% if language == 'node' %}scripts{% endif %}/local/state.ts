/**
 * Where the local stack is: the state file `make local` writes and `make send` and `dlq` read.
 *
 * `.local/env` holds one `NAME='value'` line per setting (shell syntax, so that
 * `set -a; . .local/env; set +a` also works). It exists while `make local` runs. Without it, the
 * tools use the environment as it is: real AWS with your credentials and the QUEUE_URL and
 * DLQ_URL you export. LOCAL_STATE_DIR moves `.local/` elsewhere (the tests do).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const STATE_DIR = resolve(process.env.LOCAL_STATE_DIR ?? '.local');
export const STATE_FILE = join(STATE_DIR, 'env');
export const SERVER_LOG = join(STATE_DIR, 'moto.log');
// Settings of the tooling itself; everything else in the state file is the function's environment.
const META_PREFIX = 'LOCAL_';

export type State = Record<string, string>;

const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/** One value in shell syntax: single-quoted runs, backslash escapes and bare characters. */
function unquote(raw: string): string {
  let value = '';
  for (let index = 0; index < raw.length; index += 1) {
    const char = raw[index] as string;
    if (char === "'") {
      const end = raw.indexOf("'", index + 1);
      value += raw.slice(index + 1, end < 0 ? raw.length : end);
      index = end < 0 ? raw.length : end;
    } else if (char === '\\') {
      index += 1;
      value += raw[index] ?? '';
    } else {
      value += char;
    }
  }
  return value;
}

export function writeState(values: State, path = STATE_FILE): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const lines = Object.entries(values).map(([name, value]) => `${name}=${quote(value)}\n`);
  writeFileSync(`${path}.tmp`, lines.join(''));
  renameSync(`${path}.tmp`, path);
}

/** The settings `make local` wrote, or undefined when there is no state file. */
export function readState(path = STATE_FILE): State | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const values: State = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || !trimmed.includes('=')) continue;
    const at = trimmed.indexOf('=');
    values[trimmed.slice(0, at)] = unquote(trimmed.slice(at + 1));
  }
  return values;
}

export function removeState(path = STATE_FILE): void {
  rmSync(path, { force: true });
}

/** The part of the state that is the consumer's (and the AWS SDK's) environment. */
export function functionEnvironment(state: State): State {
  return Object.fromEntries(
    Object.entries(state).filter(([name]) => !name.startsWith(META_PREFIX)),
  );
}

export function isAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Point this process's AWS SDK at the local stack: its settings replace the environment's. */
export function useLocalStack(state: State): void {
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL_SQS']) {
    Reflect.deleteProperty(process.env, name);
  }
  Object.assign(process.env, functionEnvironment(state));
}
