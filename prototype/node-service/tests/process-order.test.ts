import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';

import {
  coldStart,
  createStack,
  dynamodb,
  failedIds,
  invoker,
  job,
  type Stack,
} from './support/aws.js';
import { scenario } from './support/scenarios.js';

function order(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderId: 'o-1001',
    customerId: 'c-42',
    currency: 'EUR',
    items: [
      { sku: 'BOOK-1', quantity: 2, unitPrice: '12.50' },
      { sku: 'PEN-7', quantity: 1, unitPrice: 0.99 },
    ],
    total: '25.99',
    ...changes,
  };
}

let stack: Stack;
let invoke: ReturnType<typeof invoker>;

const storedOrders = async () =>
  (await dynamodb.send(new ScanCommand({ TableName: stack.ordersTable }))).Items ?? [];

beforeEach(async () => {
  stack = await createStack();
  invoke = invoker(stack, (await coldStart()).handler);
});

describe('process_order', () => {
  it(scenario('order_stored', 'the order is stored'), async () => {
    const id = await stack.send(job('process_order', order(), { correlationId: 'corr-9' }));
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    const [item] = await storedOrders();
    expect(item).toMatchObject({
      orderId: { S: 'o-1001' },
      customerId: { S: 'c-42' },
      currency: { S: 'EUR' },
      total: { N: '25.99' },
      status: { S: 'ACCEPTED' },
      messageId: { S: id },
      correlationId: { S: 'corr-9' },
    });
    expect(item?.items?.L?.[0]?.M).toEqual({
      sku: { S: 'BOOK-1' },
      quantity: { N: '2' },
      unitPrice: { N: '12.50' },
    });
    expect(await stack.deadLetters()).toEqual([]);
  });

  it(scenario('order_replayed_once', 'a replayed order is stored once'), async () => {
    // Different idempotency keys: the conditional write, not the idempotency store, stops it.
    await stack.send(job('process_order', order(), { idempotencyKey: 'first' }));
    await invoke(await stack.receiveEvent());
    await stack.send(job('process_order', order(), { idempotencyKey: 'second' }));
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    expect(await storedOrders()).toHaveLength(1);
    const { storedResults } = await import('./support/aws.js');
    expect(await storedResults(stack)).toEqual(
      expect.arrayContaining([
        { orderId: 'o-1001', status: 'accepted' },
        { orderId: 'o-1001', status: 'already_processed' },
      ]),
    );
  });

  it(
    scenario('order_total_mismatch', 'a total that does not match the items goes to the DLQ'),
    async () => {
      const id = await stack.send(job('process_order', order({ total: '25.98' })));
      expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
      expect((await stack.deadLetterReasons()).get(id)).toBe(
        'invalid process_order payload: body: total 25.98 does not match the sum of the items, 25.99',
      );
      expect(await storedOrders()).toEqual([]);
    },
  );

  it.each([0, -1, 10_001, 1.5, 'two'])(
    scenario('order_invalid', 'quantity %j goes to the DLQ'),
    async (quantity) => {
      const items = [{ sku: 'BOOK-1', quantity, unitPrice: '1.00' }];
      const id = await stack.send(job('process_order', order({ items, total: '1.00' })));
      expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
      const reasons = await stack.deadLetterReasons();
      expect([...reasons.keys()]).toEqual([id]);
      expect(reasons.get(id)).toMatch(/^invalid process_order payload: items\.0\.quantity/);
      expect(await storedOrders()).toEqual([]);
    },
  );

  it.each([
    [{ orderId: 'o 1; DROP' }, 'orderId'],
    [{ currency: 'euro' }, 'currency'],
    [{ total: '25.999' }, 'total'],
    [{ total: '-1' }, 'total'],
    [{ total: 'NaN' }, 'total'],
    [{ items: [] }, 'items'],
    [{ coupon: 'FREE' }, 'coupon'],
  ])(scenario('order_invalid', '%j goes to the DLQ naming %s'), async (changes, field) => {
    const id = await stack.send(job('process_order', order(changes)));
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    const reason = (await stack.deadLetterReasons()).get(id) ?? '';
    expect(reason.startsWith('invalid process_order payload: ')).toBe(true);
    expect(reason).toContain(field);
    expect(await storedOrders()).toEqual([]);
  });
});
