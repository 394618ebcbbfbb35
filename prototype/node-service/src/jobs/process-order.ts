/**
 * process_order: validate an order and store it in DynamoDB exactly once.
 *
 * Payload:
 *
 *     {
 *       "orderId": "o-1001",
 *       "customerId": "c-42",
 *       "currency": "EUR",
 *       "items": [{"sku": "BOOK-1", "quantity": 2, "unitPrice": "12.50"}],
 *       "total": "25.00"
 *     }
 *
 * Amounts are decimals (strings or numbers) with at most two decimal places; `total` must equal
 * the sum of the items. The write is conditional on the order id being new, so a replayed message
 * never stores an order twice.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod';

import { RETRYING } from '../clients.js';
import { requiredEnv } from '../settings.js';
import { defineJob, type JobContext } from './types.js';

const ORDERS_TABLE = requiredEnv('ORDERS_TABLE');

// Python's \w: letters, marks, digits and connector punctuation of any script.
const Identifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{M}\p{Nd}\p{Pc}.:-]+$/u, 'letters, digits and _ . : - only');

/** A non-negative amount with at most 14 digits, 2 of them after the point, kept exactly. */
export interface Money {
  /** The amount as written (a number is written as JavaScript prints it). */
  readonly text: string;
  /** The amount in hundredths. */
  readonly cents: bigint;
}

const DECIMAL = /^\+?(\d+)(?:\.(\d*))?$|^\+?\.(\d+)$/;

export const MoneySchema = z.union([z.string(), z.number()]).transform((value, context): Money => {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) {
    context.addIssue({ code: 'custom', message: 'not a non-negative decimal number' });
    return z.NEVER;
  }
  const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > 2) {
    context.addIssue({ code: 'custom', message: 'more than 2 decimal places' });
    return z.NEVER;
  }
  if ((whole === '0' ? 0 : whole.length) + fraction.length > 14) {
    context.addIssue({ code: 'custom', message: 'more than 14 digits' });
    return z.NEVER;
  }
  return { text, cents: BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0')) };
});

function formatCents(cents: bigint): string {
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

const OrderItem = z.strictObject({
  sku: Identifier,
  quantity: z.number().int().min(1).max(10_000),
  unitPrice: MoneySchema,
});

export const OrderPayload = z
  .strictObject({
    orderId: Identifier,
    customerId: Identifier,
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'three capital letters')
      .default('USD'),
    items: z.array(OrderItem).min(1).max(500),
    total: MoneySchema,
  })
  .superRefine((order, context) => {
    const expected = order.items.reduce(
      (sum, item) => sum + item.unitPrice.cents * BigInt(item.quantity),
      0n,
    );
    if (expected !== order.total.cents) {
      context.addIssue({
        code: 'custom',
        message: `total ${order.total.text} does not match the sum of the items, ${formatCents(expected)}`,
      });
    }
  });
type OrderPayload = z.output<typeof OrderPayload>;

let dynamodb: DynamoDBClient | undefined;

async function processOrder(
  payload: OrderPayload,
  context: JobContext,
): Promise<{ orderId: string; status: string }> {
  dynamodb ??= new DynamoDBClient(RETRYING);
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: ORDERS_TABLE,
        Item: {
          orderId: { S: payload.orderId },
          customerId: { S: payload.customerId },
          currency: { S: payload.currency },
          total: { N: payload.total.text },
          items: {
            L: payload.items.map((line) => ({
              M: {
                sku: { S: line.sku },
                quantity: { N: String(line.quantity) },
                unitPrice: { N: line.unitPrice.text },
              },
            })),
          },
          status: { S: 'ACCEPTED' },
          messageId: { S: context.messageId },
          correlationId: { S: context.correlationId },
          acceptedAt: { S: new Date().toISOString() },
        },
        ConditionExpression: 'attribute_not_exists(orderId)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Stored by an earlier delivery: the order is processed, nothing to redo.
    return { orderId: payload.orderId, status: 'already_processed' };
  }
  return { orderId: payload.orderId, status: 'accepted' };
}

export const JOB = defineJob({ name: 'process_order', schema: OrderPayload, run: processOrder });
