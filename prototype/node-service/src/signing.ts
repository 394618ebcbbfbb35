/**
 * HMAC-SHA256 webhook signatures: the sender's half and the receiver's half.
 *
 * The header looks like `t=1764158400,v1=5257a8...`: `v1` is the hex HMAC-SHA256, keyed with the
 * shared secret, of `"<t>.<raw request body>"`. Signing the timestamp with the body lets a
 * receiver refuse replays of an old request. A receiver checks a request like this:
 *
 *     if (!verifySignature(secret, request.headers['webhook-signature'], rawBody)) return 401;
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Webhook-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

function digest(secret: string, timestamp: number, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The signature header value for `body`, signed at `timestamp` (now by default). */
export function sign(secret: string, body: Uint8Array, timestamp: number = nowSeconds()): string {
  return `t=${timestamp},v1=${digest(secret, timestamp, body)}`;
}

/** True when `header` signs `body` with `secret` within `toleranceSeconds` of now. */
export function verifySignature(
  secret: string,
  header: string,
  body: Uint8Array,
  { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = nowSeconds() } = {},
): boolean {
  const fields = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const trimmed = part.trim();
    const at = trimmed.indexOf('=');
    const name = at < 0 ? trimmed : trimmed.slice(0, at);
    const value = at < 0 ? '' : trimmed.slice(at + 1);
    fields.set(name, [...(fields.get(name) ?? []), value]);
  }
  const stamp = fields.get('t')?.[0] ?? '';
  if (!/^[+-]?\d+$/.test(stamp.trim())) return false;
  const timestamp = Number(stamp);
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(digest(secret, timestamp, body), 'utf8');
  // Compared as bytes of equal length: timingSafeEqual throws on a length mismatch.
  return (fields.get('v1') ?? []).some((candidate) => {
    const given = Buffer.from(candidate, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
