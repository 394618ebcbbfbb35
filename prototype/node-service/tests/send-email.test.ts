import { DeleteEmailIdentityCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { inject, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  coldStart,
  createStack,
  EMAIL_FROM,
  failedIds,
  invoker,
  job,
  REGION,
  type Stack,
} from './support/aws.js';
import { scenario } from './support/scenarios.js';

const HTML = '<h1>Welcome</h1><p>Hello <b>Ana</b>,<br>one<br/>two</p>';

interface SentMessage {
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses: string[] };
}

/** What moto's SES backend accepted with `subject`, from its model data. */
async function sentMessages(subject: string): Promise<SentMessage[]> {
  const response = await fetch(`${inject('motoEndpoint')}/moto-api/data.json`);
  const data = (await response.json()) as { ses?: { Message?: SentMessage[] } };
  return (data.ses?.Message ?? []).filter((message) => message.subject === subject);
}

let stack: Stack;
let invoke: ReturnType<typeof invoker>;

beforeEach(async () => {
  stack = await createStack();
  invoke = invoker(stack, (await coldStart()).handler);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('send_email', () => {
  it(scenario('email_sent', 'sends HTML with a plain-text alternative'), async () => {
    const send = vi.spyOn(SESv2Client.prototype, 'send');
    const subject = `Welcome ${stack.url}`;
    await stack.send(job('send_email', { to: 'ana@example.com', subject, body: HTML }));
    const response = await invoke(await stack.receiveEvent());
    expect(response).toEqual({ batchItemFailures: [] });
    const [message] = await sentMessages(subject);
    expect(message).toMatchObject({
      source: EMAIL_FROM,
      destinations: { ToAddresses: ['ana@example.com'] },
      body: HTML,
    });
    const command = send.mock.calls[0]?.[0] as SendEmailCommand;
    expect(command.input.Content?.Simple?.Body).toEqual({
      Html: { Data: HTML, Charset: 'UTF-8' },
      Text: { Data: 'Welcome\nHello Ana,\none\ntwo', Charset: 'UTF-8' },
    });
    expect(await stack.deadLetters()).toEqual([]);
  });

  it(scenario('email_recipients', 'a list of recipients gets one e-mail'), async () => {
    const subject = `News ${stack.url}`;
    const recipients = ['ana@example.com', 'ben@example.org'];
    await stack.send(job('send_email', { to: recipients, subject, body: '<p>Hi</p>' }));
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    const messages = await sentMessages(subject);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.destinations.ToAddresses).toEqual(recipients);
  });

  it.each([
    [{ to: 'not-an-address', subject: 'S', body: 'x' }, 'to'],
    [{ to: [], subject: 'S', body: 'x' }, 'to'],
    [{ to: 'ana@example.com', subject: '', body: 'x' }, 'subject'],
    [{ to: 'ana@example.com', subject: 'S' }, 'body'],
    [{ to: 'ana@example.com', subject: 'S', body: 'x', cc: 'b@example.com' }, 'cc'],
    [
      { to: Array.from({ length: 51 }, (_, i) => `a${i}@example.com`), subject: 'S', body: 'x' },
      'to',
    ],
  ])(
    scenario('email_invalid_payload', 'invalid payload %j goes to the DLQ naming %s'),
    async (payload, field) => {
      const id = await stack.send(job('send_email', payload));
      expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
      const reason = (await stack.deadLetterReasons()).get(id) ?? '';
      expect(reason).toMatch(/^invalid send_email payload: /);
      expect(reason).toContain(field);
    },
  );

  it(scenario('email_rejected', 'SES MessageRejected goes to the DLQ'), async () => {
    // Sending from an identity that is not verified makes SES answer MessageRejected.
    vi.spyOn(SESv2Client.prototype, 'send').mockRejectedValueOnce(
      Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }),
    );
    const id = await stack.send(
      job('send_email', { to: 'ana@example.com', subject: 'S', body: 'x' }),
    );
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    expect((await stack.deadLetterReasons()).get(id)).toBe(
      'SES refused the e-mail: MessageRejected',
    );
  });

  it(
    scenario('email_rejected', 'an unverified sender makes moto answer MessageRejected'),
    async () => {
      await new SESv2Client({ region: REGION })
        .send(new DeleteEmailIdentityCommand({ EmailIdentity: EMAIL_FROM }))
        .catch(() => undefined);
      const id = await stack.send(
        job('send_email', { to: 'ana@example.com', subject: 'S', body: 'x' }),
      );
      try {
        expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
        expect((await stack.deadLetterReasons()).get(id)).toBe(
          'SES refused the e-mail: MessageRejected',
        );
      } finally {
        await createStack(); // recreates the identity for the tests after this one
      }
    },
  );

  it(scenario('email_throttled', 'SES throttling is retried, not dead-lettered'), async () => {
    vi.spyOn(SESv2Client.prototype, 'send').mockRejectedValue(
      Object.assign(new Error('Slow down'), { name: 'TooManyRequestsException' }),
    );
    const id = await stack.send(
      job('send_email', { to: 'ana@example.com', subject: 'S', body: 'x' }),
    );
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([id]);
    expect(await stack.deadLetters()).toEqual([]);
  });

  it.each([
    ['<p>Hello <b>Ana</b></p>', 'Hello Ana'],
    ['<p>One</p><p>Two</p>', 'One\nTwo'],
    ['line 1<br>line 2<br/>line 3', 'line 1\nline 2\nline 3'],
    ['<div>  lots   of\n\n  space </div>', 'lots of\nspace'],
    ['<p>Fish &amp; chips &lt;3 &eacute;</p>', 'Fish & chips <3 é'],
    ['<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>', 'ab\nc'],
    ['<h2>Title</h2>Body<script></script>', 'Title\nBody'],
    ['plain text', 'plain text'],
  ])(scenario('html_to_text', 'html_to_text(%j) is %j'), async (html, text) => {
    const { htmlToText } = await import('../src/jobs/send-email.js');
    expect(htmlToText(html)).toBe(text);
  });
});
