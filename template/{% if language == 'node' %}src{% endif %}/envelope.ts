/**
 * The message contract: every message body is one JSON envelope.
 *
 * The minimal body is `{"type": "send_email", "payload": {...}}`; producers of this package also
 * fill in the optional fields:
 *
 *     {
 *       "type": "process_order",
 *       "payload": {"orderId": "o-1", ...},
 *       "version": 1,
 *       "idempotencyKey": "order-o-1",
 *       "correlationId": "3f2b...",
 *       "createdAt": "2026-11-26T12:00:00Z"
 *     }
 */
import * as z from 'zod';

import { PermanentError } from './errors.js';

export const EnvelopeSchema = z.object({
  type: z.string().min(1).max(64),
  payload: z.record(z.string(), z.unknown()),
  // Bump when the envelope changes incompatibly; consumers refuse versions they do not know.
  version: z.literal(1).default(1),
  idempotencyKey: z.string().min(1).max(256).nullish(),
  correlationId: z.string().min(1).max(256).nullish(),
  createdAt: z.iso.datetime({ offset: true, local: true }).nullish(),
});

export type Envelope = z.infer<typeof EnvelopeSchema>;

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A path part as it may appear in a reason: names come from the sender's JSON, so an unknown
 * field's name is quoted (escaping control characters, which SQS refuses in an attribute) and
 * shortened unless it is a plain identifier.
 */
export function fieldName(part: PropertyKey): string {
  if (typeof part === 'number') return String(part);
  const name = String(part);
  if (PLAIN_NAME.test(name) && name.length <= 64) return name;
  return JSON.stringify(name.slice(0, 64)).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Summarise a validation error by field and rule, without echoing the input. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const location = issue.path.map(fieldName).join('.') || 'body';
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown field(s) ${issue.keys.map(fieldName).join(', ')}`
          : issue.message;
      return `${location}: ${message}`;
    })
    .join('; ');
}

/** Parse a message body into an envelope, or throw a PermanentError saying what is wrong. */
export function parseEnvelope(body: string): Envelope {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new PermanentError('invalid envelope: body: Invalid JSON');
  }
  const result = EnvelopeSchema.safeParse(data);
  if (!result.success) {
    throw new PermanentError(`invalid envelope: ${describeIssues(result.error)}`);
  }
  return result.data;
}
