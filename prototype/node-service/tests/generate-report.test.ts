import { createHash } from 'node:crypto';

import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';

import { coldStart, createStack, failedIds, invoker, job, s3, type Stack } from './support/aws.js';
import { scenario } from './support/scenarios.js';

function report(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reportName: 'daily-sales',
    columns: ['sku', 'sold', 'price', 'note'],
    rows: [
      ['BOOK-1', 3, 12.5, null],
      ['PEN-7', 0, 0.99, 'ok, "quoted"'],
    ],
    ...changes,
  };
}

let stack: Stack;
let invoke: ReturnType<typeof invoker>;

async function reportKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.reportsBucket }));
  return (listed.Contents ?? []).map((item) => item.Key ?? '');
}

async function readObject(key: string) {
  return s3.send(new GetObjectCommand({ Bucket: stack.reportsBucket, Key: key }));
}

beforeEach(async () => {
  stack = await createStack();
  invoke = invoker(stack, (await coldStart()).handler);
});

describe('generate_report', () => {
  it(scenario('report_stored', 'the report is stored encrypted as CSV'), async () => {
    await stack.send(job('generate_report', report(), { idempotencyKey: 'daily-2026-11-26' }));
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    const key = 'reports/daily-sales/daily-2026-11-26.csv';
    expect(await reportKeys()).toEqual([key]);
    const object = await readObject(key);
    expect(object.ServerSideEncryption).toBe('AES256');
    expect(object.ContentType).toBe('text/csv; charset=utf-8');
    expect(await object.Body?.transformToString()).toBe(
      'sku,sold,price,note\r\nBOOK-1,3,12.5,\r\nPEN-7,0,0.99,"ok, ""quoted"""\r\n',
    );
  });

  it(
    scenario(
      'report_stored',
      'without an idempotency key the object is named after the message id',
    ),
    async () => {
      const id = await stack.send(job('generate_report', report()));
      await invoke(await stack.receiveEvent());
      expect(await reportKeys()).toEqual([`reports/daily-sales/${id}.csv`]);
    },
  );

  it(
    scenario('report_key_hashed', 'an unsafe idempotency key is hashed into the object name'),
    async () => {
      const key = '../../etc/passwd';
      await stack.send(job('generate_report', report(), { idempotencyKey: key }));
      await invoke(await stack.receiveEvent());
      const digest = createHash('sha256').update(key).digest('hex');
      expect(await reportKeys()).toEqual([`reports/daily-sales/${digest}.csv`]);
    },
  );

  it(scenario('report_formulas', 'formula cells are neutralised'), async () => {
    const cells = ['=1+2', '+SUM(A1)', '-3', '@cmd', '\tx', '\ry', 'a=b'];
    const columns = ['=HYPERLINK("x")', ...cells.map((_, number) => `c${number}`), 'n'];
    await stack.send(
      job('generate_report', report({ columns, rows: [['h', ...cells, -5]] }), {
        idempotencyKey: 'formulas',
      }),
    );
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    const text =
      (await (await readObject('reports/daily-sales/formulas.csv')).Body?.transformToString()) ??
      '';
    const [header, row] = text.split('\r\n');
    expect(header?.startsWith('"\'=HYPERLINK(""x"")"')).toBe(true);
    expect(row).toBe("h,'=1+2,'+SUM(A1),'-3,'@cmd,'\tx,\"'\ry\",a=b,-5");
  });

  it.each([
    [[['BOOK-1', 3, 12.5]], 1, 3],
    [
      [
        ['BOOK-1', 3, 12.5, null],
        ['PEN-7', 1, 2, 'x', 'extra'],
      ],
      2,
      5,
    ],
  ])(
    scenario('report_invalid', 'rows %j do not match the columns'),
    async (rows, number, cells) => {
      const id = await stack.send(job('generate_report', report({ rows })));
      expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
      const reasons = await stack.deadLetterReasons();
      expect([...reasons.keys()]).toEqual([id]);
      expect(reasons.get(id)).toContain(
        `row ${number} has ${cells} cells; the report has 4 columns`,
      );
      expect(await reportKeys()).toEqual([]);
    },
  );

  it.each([
    [{ reportName: '../etc' }, 'reportName'],
    [{ columns: [] }, 'columns'],
    [{ rows: [[{ nested: 1 }, 1, 1, 1]] }, 'rows.0.0'],
  ])(scenario('report_invalid', '%j goes to the DLQ naming %s'), async (changes, field) => {
    const id = await stack.send(job('generate_report', report(changes)));
    expect(failedIds(await invoke(await stack.receiveEvent()))).toEqual([]);
    expect((await stack.deadLetterReasons()).get(id)).toMatch(
      new RegExp(`^invalid generate_report payload: ${field.replace('.', '\\.')}`),
    );
    expect(await reportKeys()).toEqual([]);
  });
});
