/**
 * `npm run bench:list`: `/canary list` at 10,000 canaries against moto. Seeds the table through
 * the store's own put (over 20 accounts, every kind and status), then prints, for the first page
 * of each filter shape and for a full walk of the default view page by page, the DynamoDB
 * requests made (by command), the items DynamoDB read and the wall time; and, for comparison,
 * what reading every canary (allCanaries, what the list did before) costs. Prints numbers;
 * asserts nothing. BENCH_CANARIES changes the count.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CanaryRecord } from '../bot/model/canary';
import { createStore } from '../bot/store';
import type { CanaryFilter } from '../bot/store/listing';
import { HOME_ACCOUNT, LISTED_KINDS } from '../bot/store/schema';
import { LIST_PAGE } from '../bot/views/list';
import { bootstrap } from '../local/bootstrap';
import { startMoto } from '../local/moto';

const COUNT = Number(process.env.BENCH_CANARIES ?? 10_000);
const ACCOUNTS = 20;
const STATUSES = ['active', 'active', 'active', 'disabled', 'retired', 'retired', 'unknown'] as const;

function canary(i: number): CanaryRecord {
  const account = i % ACCOUNTS ? String(100000000000 + (i % ACCOUNTS)) : undefined;
  return {
    id: `c${i.toString(36).padStart(6, '0')}`,
    kind: LISTED_KINDS[i % LISTED_KINDS.length]!,
    location: `host-${i} ~/.aws/credentials`,
    owner: i % 9 ? 'U0ALICE' : 'U0BOB',
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    createdBy: 'U0BOB',
    status: STATUSES[i % STATUSES.length]!,
    ...(account ? { account } : {}),
    aliases: [`AKIABENCH${i}`],
    resource: { userName: `svc-bench-${i}` },
  };
}

async function main() {
  const moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  });
  const table = 'bench-list';
  await bootstrap({ table, region: 'us-east-1' });
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const store = createStore(client, table);

  const t0 = performance.now();
  const queue = Array.from({ length: COUNT }, (_, i) => canary(i));
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      for (let c = queue.pop(); c; c = queue.pop()) await store.putNewCanary(c);
    }),
  );
  console.log(`seeded ${COUNT} canaries through putNewCanary in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Every request the store makes, by command, and what DynamoDB says it read.
  const requests: Record<string, number> = {};
  let scanned = 0;
  client.middlewareStack.add(
    (next, ctx) => async (args) => {
      const name = String(ctx.commandName);
      requests[name] = (requests[name] ?? 0) + 1;
      const out = await next(args);
      scanned += Number((out.output as { ScannedCount?: number }).ScannedCount ?? 0);
      return out;
    },
    { step: 'initialize', name: 'bench-count' },
  );
  const measure = async <T>(what: string, run: () => Promise<T>, extra: (r: T) => string = () => '') => {
    for (const k of Object.keys(requests)) delete requests[k];
    scanned = 0;
    const start = performance.now();
    const result = await run();
    const ms = performance.now() - start;
    const calls = Object.entries(requests)
      .map(([k, n]) => `${n} ${k.replace(/Command$/, '')}`)
      .join(', ');
    console.log(
      `${what.padEnd(52)} ${calls.padEnd(22)} ${String(scanned).padStart(6)} items read ${ms.toFixed(0).padStart(6)} ms ${extra(result)}`,
    );
    return result;
  };

  const member = String(100000000000 + 7);
  const shapes: Array<[string, CanaryFilter]> = [
    ['first page, every canary (the default)', {}],
    ['first page, --status active', { status: 'active' }],
    ['first page, --status active --kind aws-key', { status: 'active', kind: 'aws-key' }],
    ['first page, --account <member>', { account: member }],
    ['first page, --account home --status retired', { account: HOME_ACCOUNT, status: 'retired' }],
    ['first page, --account <member> --status active --kind aws-key', { account: member, status: 'active', kind: 'aws-key' }],
    ['first page, --owner @bob (not indexed: read on)', { owner: 'U0BOB' }],
    ['first page, text "host-99" (not indexed: read on)', { text: 'host-99' }],
  ];
  // Once first: the list-keys item is read once per process, then remembered.
  await store.canaryPage({ status: 'active' }, { limit: 1 });
  for (const [what, filter] of shapes)
    await measure(
      what,
      () => store.canaryPage(filter, { limit: LIST_PAGE }),
      (p) => `${p.canaries.length} shown${p.cursor ? ', more' : ''}`,
    );

  await measure(
    `full walk, default view, ${LIST_PAGE} a page`,
    async () => {
      let cursor: string | undefined;
      let pages = 0;
      let seen = 0;
      do {
        const page = await store.canaryPage({}, { limit: LIST_PAGE, ...(cursor ? { cursor } : {}) });
        seen += page.canaries.length;
        cursor = page.cursor;
        pages++;
      } while (cursor);
      return { pages, seen };
    },
    (r) => `${r.pages} pages, ${r.seen} canaries`,
  );
  await measure(
    `full walk, --account <member>, ${LIST_PAGE} a page`,
    async () => {
      let cursor: string | undefined;
      let pages = 0;
      let seen = 0;
      do {
        const page = await store.canaryPage({ account: member }, { limit: LIST_PAGE, ...(cursor ? { cursor } : {}) });
        seen += page.canaries.length;
        cursor = page.cursor;
        pages++;
      } while (cursor);
      return { pages, seen };
    },
    (r) => `${r.pages} pages, ${r.seen} canaries`,
  );
  await measure(
    'every canary at once (allCanaries: the list before)',
    () => store.allCanaries(),
    (all) => `${all.length} canaries`,
  );
  client.destroy();
  await moto.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
