/**
 * send_email: send an HTML e-mail with a plain-text alternative through Amazon SES v2.
 *
 * Payload: `{"to": "ana@example.com", "subject": "Welcome", "body": "<p>Hello <b>Ana</b></p>"}`.
 * `to` may also be a list of up to 50 addresses. The sender is `EMAIL_FROM`.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { z } from 'zod';

import { RETRYING } from '../clients.js';
import { PermanentError } from '../errors.js';
import { requiredEnv } from '../settings.js';
import { defineJob, type JobContext } from './types.js';

const EMAIL_FROM = requiredEnv('EMAIL_FROM');

// SES answers these when the request itself is wrong; sending it again cannot help.
const PERMANENT_SES_ERRORS = new Set(['MessageRejected', 'BadRequestException']);

const EmailAddress = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'not an e-mail address');

export const EmailPayload = z.strictObject({
  // SES accepts at most 50 recipients per message.
  to: z.union([EmailAddress, z.array(EmailAddress).min(1).max(50)]),
  subject: z.string().min(1).max(998),
  body: z.string().min(1).max(200_000),
});
type EmailPayload = z.output<typeof EmailPayload>;

const BLOCK_TAGS = new Set(['br', 'p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Plain-text alternative of an HTML body, for clients that do not render HTML. */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (const match of html.matchAll(tag)) {
    parts.push(decodeEntities(html.slice(last, match.index)));
    last = match.index + match[0].length;
    const name = match[2]?.toLowerCase();
    if (name === undefined) continue;
    const closing = match[1] === '/';
    if ((!closing && name === 'br') || (closing && BLOCK_TAGS.has(name))) parts.push('\n');
  }
  parts.push(decodeEntities(html.slice(last)));
  return parts
    .join('')
    .split(/\r\n|\r|\n/)
    .map((line) => line.split(/\s+/).filter(Boolean).join(' '))
    .filter(Boolean)
    .join('\n');
}

let ses: SESv2Client | undefined;

async function sendEmail(payload: EmailPayload, _context: JobContext): Promise<{ sesMessageId: string }> {
  ses ??= new SESv2Client(RETRYING);
  try {
    const response = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: EMAIL_FROM,
        Destination: { ToAddresses: typeof payload.to === 'string' ? [payload.to] : payload.to },
        Content: {
          Simple: {
            Subject: { Data: payload.subject, Charset: 'UTF-8' },
            Body: {
              Html: { Data: payload.body, Charset: 'UTF-8' },
              Text: { Data: htmlToText(payload.body), Charset: 'UTF-8' },
            },
          },
        },
      }),
    );
    return { sesMessageId: response.MessageId ?? '' };
  } catch (error) {
    const code = (error as Error).name;
    if (PERMANENT_SES_ERRORS.has(code)) {
      throw new PermanentError(`SES refused the e-mail: ${code}`);
    }
    throw error;
  }
}

export const JOB = defineJob({ name: 'send_email', schema: EmailPayload, run: sendEmail });
