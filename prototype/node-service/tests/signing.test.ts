import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { DEFAULT_TOLERANCE_SECONDS, sign, verifySignature } from '../src/signing.js';
import { scenario } from './support/scenarios.js';

const SECRET = 'shh';
const BODY = Buffer.from('{"id":"k","event":"e","data":{}}');
const NOW = 1_764_158_400;

const digest = (secret: string, timestamp: number, body: Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

describe('signing', () => {
  it(scenario('signing_round_trip', 'the header is t=<timestamp>,v1=<hex hmac>'), () => {
    expect(sign(SECRET, BODY, NOW)).toBe(`t=${NOW},v1=${digest(SECRET, NOW, BODY)}`);
  });

  it(scenario('signing_round_trip', 'sign uses the current time by default'), () => {
    const before = Math.floor(Date.now() / 1000);
    const stamp = Number(/^t=(\d+),/.exec(sign(SECRET, BODY))?.[1]);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(before + 2);
  });

  it(scenario('signing_round_trip', 'a signature verifies'), () => {
    expect(verifySignature(SECRET, sign(SECRET, BODY), BODY)).toBe(true);
  });

  it.each([
    Buffer.from(''),
    Buffer.from(`${BODY.toString()} `),
    Buffer.from(BODY.toString().replace('k', 'K')),
  ])(scenario('signing_round_trip', 'a tampered body fails'), (tampered) => {
    expect(verifySignature(SECRET, sign(SECRET, BODY, NOW), tampered, { now: NOW })).toBe(false);
  });

  it(scenario('signing_round_trip', 'a wrong secret or changed timestamp fails'), () => {
    const header = sign(SECRET, BODY, NOW);
    expect(verifySignature('other', header, BODY, { now: NOW })).toBe(false);
    const moved = header.replace(`t=${NOW}`, `t=${NOW + 1}`);
    expect(verifySignature(SECRET, moved, BODY, { now: NOW })).toBe(false);
  });

  it.each([
    [0, true],
    [DEFAULT_TOLERANCE_SECONDS, true],
    [-DEFAULT_TOLERANCE_SECONDS, true],
    [DEFAULT_TOLERANCE_SECONDS + 1, false],
    [-DEFAULT_TOLERANCE_SECONDS - 1, false],
    [86_400, false],
  ])(scenario('signing_tolerance', 'offset %i s verifies: %s'), (offset, valid) => {
    expect(verifySignature(SECRET, sign(SECRET, BODY, NOW), BODY, { now: NOW + offset })).toBe(
      valid,
    );
  });

  it(scenario('signing_tolerance', 'the tolerance is configurable'), () => {
    const header = sign(SECRET, BODY, NOW);
    expect(verifySignature(SECRET, header, BODY, { now: NOW + 10, toleranceSeconds: 5 })).toBe(
      false,
    );
    expect(verifySignature(SECRET, header, BODY, { now: NOW + 10, toleranceSeconds: 10 })).toBe(
      true,
    );
  });

  it.each([0, 1, 2])(
    scenario('signing_round_trip', 'one matching v1 among several passes (at %i)'),
    (position) => {
      const candidates = [digest('old-secret', NOW, BODY), digest('older', NOW, BODY)];
      candidates.splice(position, 0, digest(SECRET, NOW, BODY));
      const header = `t=${NOW},${candidates.map((candidate) => `v1=${candidate}`).join(',')}`;
      expect(verifySignature(SECRET, header, BODY, { now: NOW })).toBe(true);
      expect(verifySignature('unrelated', header, BODY, { now: NOW })).toBe(false);
    },
  );

  it(scenario('signing_malformed', 'spaces after commas are accepted'), () => {
    expect(
      verifySignature(SECRET, `t=${NOW}, v1=${digest(SECRET, NOW, BODY)}`, BODY, { now: NOW }),
    ).toBe(true);
  });

  const good = digest(SECRET, NOW, BODY);
  it.each([
    '',
    'garbage',
    `v1=${good}`,
    `t=${NOW}`,
    `t=${NOW},v1=`,
    `t=soon,v1=${good}`,
    `t=${NOW},v0=${good}`,
    `t=${NOW},v1=${good.slice(0, -1)}`,
    `t=${NOW},v1=${good.toUpperCase()}`,
    good,
  ])(scenario('signing_malformed', 'header %j fails'), (header) => {
    expect(verifySignature(SECRET, header, BODY, { now: NOW })).toBe(false);
  });

  it.each(['\u00e9', '\udc80', '\u00ff'.repeat(64), '\u00e9'.repeat(32)])(
    scenario('signing_malformed', 'non-ASCII signature %j fails without throwing'),
    (candidate) => {
      expect(verifySignature(SECRET, `t=${NOW},v1=${candidate}`, BODY, { now: NOW })).toBe(false);
    },
  );
});
