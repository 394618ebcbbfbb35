/**
 * webhook: deliver a signed HTTPS POST to a partner's endpoint.
 *
 * Payload: `{"url": "https://partner.example.com/hooks", "event": "order.shipped", "data": {"id": 1}}`.
 *
 * The request body is `{"id": <idempotency key>, "event": ..., "data": ...}`, signed as described
 * in `signing.ts`; receivers deduplicate on `Webhook-Id`.
 *
 * Request-forgery guard: the host name is resolved once, every address it resolves to must be
 * public, and the connection goes to that checked address (so a second DNS answer cannot point it
 * elsewhere). Redirects are never followed. Hosts listed in `WEBHOOK_ALLOWED_HOSTS` skip the
 * address check and may use plain HTTP: meant for local development and tests, not production.
 *
 * Answers: 2xx succeeds; 408, 429 and 5xx are retried with backoff; 3xx and other 4xx go to the
 * dead-letter queue at once.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import * as z from 'zod';

import { ConfigurationError, PermanentError } from '../errors.js';
import { requiredEnv } from '../settings.js';
import { SIGNATURE_HEADER, sign } from '../signing.js';
import { defineJob, type JobContext } from './types.js';

const WEBHOOK_SIGNING_SECRET_PARAM = requiredEnv('WEBHOOK_SIGNING_SECRET_PARAM');
const ALLOWED_HOSTS = new Set(
  (process.env.WEBHOOK_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean),
);
// The value Terraform puts in the parameter until an operator sets the real secret.
const PLACEHOLDER_SECRET = 'CHANGE_ME';
const SECRET_CACHE_SECONDS = 300;
const CONNECT_TIMEOUT_MS = 3_000;
const READ_TIMEOUT_MS = 10_000;
const RETRYABLE_STATUSES = new Set([408, 429]);

/** The endpoint answered with a status worth retrying later. */
export class WebhookRetryableError extends Error {
  override readonly name = 'WebhookRetryableError';
}

export const WebhookPayload = z.strictObject({
  url: z
    .string()
    .max(2083)
    .transform((value, context) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        context.addIssue({ code: 'custom', message: 'not a URL' });
        return z.NEVER;
      }
      if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
        context.addIssue({ code: 'custom', message: 'URL scheme should be http or https' });
        return z.NEVER;
      }
      return url;
    }),
  event: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'not an event name'),
  data: z.record(z.string(), z.unknown()).default({}),
});
type WebhookPayload = z.output<typeof WebhookPayload>;

// Addresses that are not globally reachable (IANA special-purpose registries, as Python's
// ipaddress `is_global` has them), multicast, and the deprecated IPv6 site-local range.
// IPv4-mapped IPv6 (::ffff:0:0/96) is judged by its IPv4 address (see embeddedIpv4): a BlockList
// rule for it would match every IPv4 address too.
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The sixteen bytes of an IPv6 address (optionally with a trailing dotted IPv4 part). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros =
    tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

const ipv4 = (bytes: number[]): string => bytes.join('.');

/** The IPv4 address an IPv6 address leads to: mapped, 6to4 or NAT64 (RFC 6052). */
function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  const zeroUntil = (end: number): boolean => bytes.slice(0, end).every((byte) => byte === 0);
  if (zeroUntil(10) && bytes[10] === 0xff && bytes[11] === 0xff) return ipv4(bytes.slice(12));
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return ipv4(bytes.slice(2, 6));
  const nat64 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
  if (nat64.every((byte, index) => bytes[index] === byte)) return ipv4(bytes.slice(12));
  return undefined;
}

/** True when `address` (an IPv4 or IPv6 literal) is globally reachable and not multicast. */
export function isPublic(address: string): boolean {
  const bare = address.split('%', 1)[0] ?? '';
  const family = isIP(bare);
  if (family === 4) return !NON_PUBLIC.check(bare, 'ipv4');
  if (family !== 6) return false;
  const embedded = embeddedIpv4(bare);
  if (embedded !== undefined && !isPublic(embedded)) return false;
  return !NON_PUBLIC.check(bare, 'ipv6');
}

type Resolve = (host: string) => Promise<{ address: string }[]>;

const resolveAll: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/**
 * An address of `host` to connect to; any non-public answer is a permanent failure.
 * `resolve` is the system resolver (getaddrinfo, as Python's socket uses); tests pass another.
 */
export async function resolvePublicAddress(
  host: string,
  resolve: Resolve = resolveAll,
): Promise<string> {
  let answers: { address: string }[];
  try {
    answers = await resolve(host);
  } catch (error) {
    // Often a passing DNS failure: retried, and dead-lettered if it persists.
    throw new Error(
      `cannot resolve webhook host ${JSON.stringify(host)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const addresses = answers.map((answer) => answer.address.split('%', 1)[0] ?? '');
  if (addresses.length === 0)
    throw new Error(`webhook host ${JSON.stringify(host)} has no address`);
  if (ALLOWED_HOSTS.has(host.toLowerCase())) return addresses[0] as string;
  const refused = addresses.filter((address) => !isPublic(address));
  if (refused.length > 0) {
    throw new PermanentError(
      `webhook host ${JSON.stringify(host)} resolves to non-public address(es) ${refused.join(', ')}; ` +
        'add it to WEBHOOK_ALLOWED_HOSTS if it is meant to be reached',
    );
  }
  return addresses[0] as string;
}

async function signingSecret(): Promise<string> {
  const secret = await getParameter(WEBHOOK_SIGNING_SECRET_PARAM, {
    decrypt: true,
    maxAge: SECRET_CACHE_SECONDS,
  });
  if (!secret || secret === PLACEHOLDER_SECRET) {
    throw new ConfigurationError(
      `SSM parameter ${WEBHOOK_SIGNING_SECRET_PARAM} still holds the placeholder; set the ` +
        'signing secret with `aws ssm put-parameter --overwrite --type SecureString`',
    );
  }
  return secret;
}

/** POST `body` to the checked `address`, verifying TLS for `host`; resolve to the status. */
function post(
  url: URL,
  address: string,
  host: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request({
      host: address,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname || '/'}${url.search}`,
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(body.length) },
      // Certificate and SNI for the host name, connection to the checked address.
      ...(secure && isIP(host) === 0 ? { servername: host } : {}),
      agent: false,
      timeout: READ_TIMEOUT_MS,
    });
    const connectTimer = setTimeout(() => {
      request.destroy(
        new Error(`webhook endpoint did not accept a connection in ${CONNECT_TIMEOUT_MS} ms`),
      );
    }, CONNECT_TIMEOUT_MS);
    request.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer);
      });
    });
    request.on('timeout', () => {
      request.destroy(new Error(`webhook endpoint did not answer in ${READ_TIMEOUT_MS} ms`));
    });
    request.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(error);
    });
    request.on('response', (response) => {
      clearTimeout(connectTimer);
      response.resume();
      response.on('end', () => {
        resolve(response.statusCode ?? 0);
      });
      response.on('error', reject);
    });
    request.end(body);
  });
}

async function deliver(payload: WebhookPayload, context: JobContext): Promise<{ status: number }> {
  const { url } = payload;
  // An IPv6 literal keeps its brackets in the URL and the Host header, not in DNS.
  const urlHost = url.hostname.toLowerCase();
  const host = urlHost.replace(/^\[(.*)\]$/, '$1');
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'https' && !ALLOWED_HOSTS.has(host)) {
    throw new PermanentError(`webhook URL must use https; got ${scheme}://${host}`);
  }
  const address = await resolvePublicAddress(host);
  const body = Buffer.from(
    JSON.stringify({ id: context.idempotencyKey, event: payload.event, data: payload.data }),
    'utf8',
  );
  const headers = {
    Host: url.port ? `${urlHost}:${url.port}` : urlHost,
    'Content-Type': 'application/json',
    'Webhook-Id': context.idempotencyKey,
    'X-Correlation-Id': context.correlationId,
    [SIGNATURE_HEADER]: sign(await signingSecret(), body),
  };
  const status = await post(url, address, host, headers, body);
  if (status >= 200 && status < 300) return { status };
  if (RETRYABLE_STATUSES.has(status) || status >= 500) {
    throw new WebhookRetryableError(`webhook endpoint answered ${status}`);
  }
  if (status >= 300 && status < 400) {
    throw new PermanentError(
      `webhook endpoint answered a redirect (${status}); redirects are not followed`,
    );
  }
  throw new PermanentError(`webhook endpoint refused the request with ${status}`);
}

export const JOB = defineJob({ name: 'webhook', schema: WebhookPayload, run: deliver });
