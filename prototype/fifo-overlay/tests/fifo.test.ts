/** FIFO: the order of each message group, skip-on-error, and groups running concurrently. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

import { coldStart, createStack, failedIds, invoker, type Stack } from './support/aws.js';
import { scenario } from './support/scenarios.js';

const Step = z.object({
  group: z.string(),
  step: z.number(),
  fail: z.enum(['transient', 'permanent']).optional(),
});

let stack: Stack;
let ran: string[];
let running: Map<string, number>;
let peak: number;
let invoke: ReturnType<typeof invoker>;

async function start(concurrency?: number): Promise<void> {
  if (concurrency) process.env.RECORD_CONCURRENCY = String(concurrency);
  else Reflect.deleteProperty(process.env, 'RECORD_CONCURRENCY');
  const service = await coldStart();
  const { PermanentError } = await import('../src/errors.js');
  ran = [];
  running = new Map();
  peak = 0;
  service.jobs.JOBS.set(
    'step',
    service.jobs.defineJob({
      name: 'step',
      schema: Step,
      run: async ({ group, step, fail }) => {
        const inGroup = (running.get(group) ?? 0) + 1;
        running.set(group, inGroup);
        expect(inGroup).toBe(1); // never two records of one group at once
        const total = [...running.values()].reduce((sum, count) => sum + count, 0);
        peak = Math.max(peak, total);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running.set(group, inGroup - 1);
        ran.push(`${group}${step}`);
        if (fail === 'permanent') throw new PermanentError('step refused');
        if (fail === 'transient') throw new Error('step failed for now');
        return { step };
      },
    }),
  );
  invoke = invoker(stack, service.handler);
}

const send = (group: string, step: number, fail?: 'transient' | 'permanent') =>
  stack.send(
    { type: 'step', payload: { group, step, ...(fail ? { fail } : {}) } },
    { groupId: group },
  );

beforeEach(async () => {
  stack = await createStack();
});

describe('FIFO', () => {
  it(scenario('fifo_group_order', 'the records of a group run in order'), async () => {
    await start();
    for (const step of [1, 2, 3, 4]) await send('a', step);
    for (const step of [1, 2]) await send('b', step);
    const response = await invoke(await stack.receiveEvent());
    expect(failedIds(response)).toEqual([]);
    expect(ran.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(ran.filter((id) => id.startsWith('b'))).toEqual(['b1', 'b2']);
  });

  it(
    scenario('fifo_skip_group_on_error', 'after a failure the rest of the group is skipped'),
    async () => {
      await start();
      await send('a', 1);
      const failing = await send('a', 2, 'transient');
      const skipped = await send('a', 3);
      await send('b', 1);
      await send('b', 2);
      const response = await invoke(await stack.receiveEvent());
      expect(failedIds(response)).toEqual([failing, skipped]);
      expect(ran.sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
      // The skipped record was not run, and comes back after the failed one.
      expect(await stack.deadLetters()).toEqual([]);
    },
  );

  it(
    scenario(
      'fifo_permanent_continues',
      'a permanent failure goes to the DLQ in its group and the group goes on',
    ),
    async () => {
      await start();
      await send('a', 1);
      const refused = await send('a', 2, 'permanent');
      await send('a', 3);
      const response = await invoke(await stack.receiveEvent());
      expect(failedIds(response)).toEqual([]);
      expect(ran).toEqual(['a1', 'a2', 'a3']);
      const [letter] = await stack.deadLetters();
      expect(letter?.MessageAttributes?.OriginalMessageId?.StringValue).toBe(refused);
      expect(letter?.Attributes?.MessageGroupId).toBe('a');
    },
  );

  it(
    scenario('fifo_groups_concurrent', 'groups run concurrently up to RECORD_CONCURRENCY'),
    async () => {
      await start(2);
      for (const group of ['a', 'b', 'c']) for (const step of [1, 2]) await send(group, step);
      const response = await invoke(await stack.receiveEvent());
      expect(failedIds(response)).toEqual([]);
      expect(ran).toHaveLength(6);
      expect(peak).toBe(2);
    },
  );
});
