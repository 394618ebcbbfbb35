import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { verifySignature } from '../src/signing.js';
import {
  captureLogs,
  coldStart,
  createStack,
  failedIds,
  invoker,
  job,
  REGION,
  SIGNING_SECRET,
  type Stack,
} from './support/aws.js';
import { scenario } from './support/scenarios.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * A partner endpoint on 127.0.0.1 that records every request. `/status/<code>` answers `<code>`
 * (a 3xx points Location at `/target`); any other path answers 200.
 */
class Partner {
  requests: Received[] = [];
  private server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      const match = /^\/status\/(\d+)/.exec(request.url ?? '');
      const status = match ? Number(match[1]) : 200;
      response.writeHead(
        status,
        status >= 300 && status < 400 ? { Location: this.url('/target') } : {},
      );
      response.end();
    });
  });

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

const hook = (url: string, data: Record<string, unknown> = {}) => ({
  url,
  event: 'order.shipped',
  data,
});

let stack: Stack;
let partner: Partner;

/** The handler cold-started with `allowed` as WEBHOOK_ALLOWED_HOSTS. */
async function deliverer(allowed = '127.0.0.1') {
  process.env.WEBHOOK_ALLOWED_HOSTS = allowed;
  return invoker(stack, (await coldStart()).handler);
}

async function putSecret(value: string): Promise<void> {
  await new SSMClient({ region: REGION }).send(
    new PutParameterCommand({
      Name: stack.signingSecretParam,
      Value: value,
      Type: 'SecureString',
      Overwrite: true,
    }),
  );
}

beforeEach(async () => {
  stack = await createStack();
  partner = new Partner();
  await partner.start();
});
afterEach(async () => {
  await partner.stop();
});

describe('webhook delivery', () => {
  it.each([200, 201, 204])(
    scenario('webhook_delivered', '%i delivers a signed request'),
    async (status) => {
      const deliver = await deliverer();
      const url = partner.url(status === 200 ? '/hooks?x=1' : `/status/${status}`);
      await stack.send(
        job('webhook', hook(url, { id: 7 }), { idempotencyKey: 'key-1', correlationId: 'corr-1' }),
      );
      expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([]);
      const [request] = partner.requests;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe(status === 200 ? '/hooks?x=1' : `/status/${status}`);
      expect(JSON.parse(request?.body.toString() ?? '')).toEqual({
        id: 'key-1',
        event: 'order.shipped',
        data: { id: 7 },
      });
      expect(request?.headers['webhook-id']).toBe('key-1');
      expect(request?.headers['x-correlation-id']).toBe('corr-1');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers.host).toBe(`127.0.0.1:${partner.port}`);
      const signature = String(request?.headers['webhook-signature']);
      expect(verifySignature(SIGNING_SECRET, signature, request?.body ?? Buffer.alloc(0))).toBe(
        true,
      );
      expect(verifySignature('another-secret', signature, request?.body ?? Buffer.alloc(0))).toBe(
        false,
      );
    },
  );

  it.each([408, 429, 500, 503])(
    scenario('webhook_retryable', '%i is reported for retry'),
    async (status) => {
      const deliver = await deliverer();
      const id = await stack.send(job('webhook', hook(partner.url(`/status/${status}`))));
      expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([id]);
      expect(await stack.deadLetters()).toEqual([]);
    },
  );

  it.each([400, 401, 404, 410])(
    scenario('webhook_refused', '%i goes to the DLQ'),
    async (status) => {
      const deliver = await deliverer();
      const id = await stack.send(job('webhook', hook(partner.url(`/status/${status}`))));
      expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([]);
      expect(await stack.deadLetterReasons()).toEqual(
        new Map([[id, `webhook endpoint refused the request with ${status}`]]),
      );
    },
  );

  it.each([301, 302, 307, 308])(
    scenario('webhook_redirect', '%i is not followed'),
    async (status) => {
      const deliver = await deliverer();
      const id = await stack.send(job('webhook', hook(partner.url(`/status/${status}`))));
      expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([]);
      expect(partner.requests.map((request) => request.path)).toEqual([`/status/${status}`]);
      expect((await stack.deadLetterReasons()).get(id)).toBe(
        `webhook endpoint answered a redirect (${status}); redirects are not followed`,
      );
    },
  );

  it(
    scenario('webhook_placeholder_secret', 'the placeholder secret is retried, not dead-lettered'),
    async () => {
      await putSecret('CHANGE_ME');
      const deliver = await deliverer();
      const id = await stack.send(job('webhook', hook(partner.url('/hooks'))));
      expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([id]);
      expect(partner.requests).toEqual([]);
      expect(await stack.deadLetters()).toEqual([]);
    },
  );

  it(
    scenario('structured_logs', 'debug logs hold neither the signing secret nor the signature'),
    async () => {
      const secret = `secret-${crypto.randomUUID()}`;
      await putSecret(secret);
      process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
      try {
        const deliver = await deliverer();
        await stack.send(job('webhook', hook(partner.url('/hooks'))));
        const { raw, result } = await captureLogs(async () => deliver(await stack.receiveEvent()));
        expect(failedIds(result)).toEqual([]);
        expect(raw).toContain('Job done');
        const signature = String(partner.requests[0]?.headers['webhook-signature']);
        expect(
          verifySignature(secret, signature, partner.requests[0]?.body ?? Buffer.alloc(0)),
        ).toBe(true);
        expect(raw).not.toContain(secret);
        expect(raw).not.toContain(signature.split('v1=')[1]);
      } finally {
        Reflect.deleteProperty(process.env, 'POWERTOOLS_LOG_LEVEL');
      }
    },
  );

  it.each(['http://partner.example.com/hooks', 'http://93.184.216.34/hooks'])(
    scenario('webhook_https_only', 'plain HTTP to %s goes to the DLQ'),
    async (url) => {
      const deliver = await deliverer();
      const id = await stack.send(job('webhook', hook(url)));
      expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([]);
      expect((await stack.deadLetterReasons()).get(id)).toMatch(
        /^webhook URL must use https; got http:\/\//,
      );
    },
  );

  it(
    scenario('webhook_https_only', 'a loopback partner is refused without the allow-list'),
    async () => {
      const deliver = await deliverer('');
      const id = await stack.send(job('webhook', hook(partner.url('/hooks'))));
      expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([]);
      expect(await stack.deadLetterReasons()).toEqual(
        new Map([[id, 'webhook URL must use https; got http://127.0.0.1']]),
      );
      expect(partner.requests).toEqual([]);
    },
  );

  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '2130706433',
    '0x7f000001',
    '0177.0.0.1',
    'localhost',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:169.254.169.254]',
    '[fc00::1]',
    '[fe80::1]',
  ])(scenario('ssrf_non_public', 'https to %s goes to the DLQ'), async (host) => {
    const deliver = await deliverer('');
    const id = await stack.send(job('webhook', hook(`https://${host}:${partner.port}/hooks`)));
    expect(failedIds(await deliver(await stack.receiveEvent()))).toEqual([]);
    const reasons = await stack.deadLetterReasons();
    expect([...reasons.keys()]).toEqual([id]);
    expect(reasons.get(id)).toContain('resolves to non-public address(es)');
    expect(partner.requests).toEqual([]);
  });
});

describe('resolvePublicAddress', () => {
  const NON_PUBLIC_HOSTS = [
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:7f00:1',
    '2130706433',
    '0x7f000001',
    '0177.0.0.1',
    'localhost',
    '224.0.0.1',
    'ff02::1',
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '2002:7f00:1::1', // 6to4 of 127.0.0.1
  ];

  async function webhookModule() {
    await coldStart();
    return import('../src/jobs/webhook.js');
  }

  it.each(NON_PUBLIC_HOSTS)(scenario('ssrf_ip_spellings', '%s is refused'), async (host) => {
    const { resolvePublicAddress } = await webhookModule();
    await expect(resolvePublicAddress(host)).rejects.toThrow(/non-public address/);
  });

  it.each(['93.184.216.34', '2606:4700::1111', '1.1.1.1'])(
    scenario('ssrf_non_public', '%s is public'),
    async (address) => {
      const { resolvePublicAddress } = await webhookModule();
      expect(await resolvePublicAddress(address)).toBe(address);
    },
  );

  it(scenario('ssrf_resolved_private', 'every resolved address must be public'), async () => {
    const { resolvePublicAddress } = await webhookModule();
    const answers = () => Promise.resolve([{ address: '93.184.216.34' }, { address: '10.1.2.3' }]);
    await expect(resolvePublicAddress('partner.example.com', answers)).rejects.toThrow(
      /non-public address\(es\) 10\.1\.2\.3/,
    );
  });

  it(scenario('ssrf_dns_failure_transient', 'a resolution failure is transient'), async () => {
    const { resolvePublicAddress } = await webhookModule();
    const { PermanentError } = await import('../src/errors.js');
    const fails = () =>
      Promise.reject(
        Object.assign(new Error('getaddrinfo ENOTFOUND partner.example.com'), {
          code: 'ENOTFOUND',
        }),
      );
    const error = await resolvePublicAddress('partner.example.com', fails).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(String(error)).toMatch(/cannot resolve webhook host "partner\.example\.com"/);
  });
});
