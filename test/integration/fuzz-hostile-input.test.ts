import { ListUsersCommand } from '@aws-sdk/client-iam';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../local/block-kit';
import { nowSeconds, sign, signed, slashCommandBody } from '../../local/slack-requests';
import { readSample, sampleFiles, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { ADMIN, SIGNING_SECRET, startHarness } from '../support/harness';
import { mrkdwnOf } from '../support/mrkdwn-text';
import type { Harness } from '../support/harness';

/** Generated cases per property; stated in the closing note. */
const RUNS = 200;

/** Mentions and links the bot writes itself are user ids it validated; nothing else may appear. */
const injected = (text: string) => /<(?![@][UW][A-Z0-9]+>)[!#@a-z]/i.test(text.replace(/<@U[A-Z0-9]+>/g, ''));

describe('hostile input, generated', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0', POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  });
  afterAll(() => h.close());

  it(`answers ${RUNS} random unsigned, wrongly signed, stale, truncated or odd requests with 401 or 400, and changes nothing`, async () => {
    const contentType = fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'text/plain',
      '',
      'application/x-www-form-urlencoded; charset=utf-8',
      'multipart/form-data',
    );
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constant(slashCommandBody({ text: 'new laptop-42', userId: ADMIN, responseUrl: 'https://hooks.slack.com/commands/T1/1/x' })),
      fc.string({ minLength: 100_000, maxLength: 100_001 }),
    );
    const signature = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 80 }), fc.constant('v0=' + '0'.repeat(64)));
    const timestamp = fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: 0, max: 2 ** 31 }).map(String),
      fc.constant(String(nowSeconds() - 301)),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(contentType, body, signature, timestamp, fc.boolean(), fc.boolean(), async (type, b, sig, ts, base64, truncate) => {
        const headers: Record<string, string> = { 'content-type': type };
        if (sig !== undefined) headers['x-slack-signature'] = sig;
        if (ts !== undefined) headers['x-slack-request-timestamp'] = ts;
        const sent = truncate ? b.slice(0, Math.floor(b.length / 2)) : b;
        const res = await h.send({ body: sent, contentType: type, headers }, { base64 });
        expect([400, 401]).toContain(res.statusCode);
      }),
      { numRuns: RUNS },
    );
    // a correctly signed body altered after signing is refused too
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (tail) => {
        const req = signed(
          SIGNING_SECRET,
          slashCommandBody({ text: 'new x', userId: ADMIN, responseUrl: 'https://hooks.slack.com/commands/T1/1/x' }),
          'application/x-www-form-urlencoded',
        );
        const res = await h.send({ ...req, body: req.body + encodeURIComponent(tail) });
        expect(res.statusCode).toBe(401);
      }),
      { numRuns: 50 },
    );
    await h.settle();
    expect((await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? []).toEqual([]);
    expect(h.standin.calls).toEqual([]);
    expect(sign(SIGNING_SECRET, 'x', 1)).toMatch(/^v0=[0-9a-f]{64}$/);
  });

  it(`answers ${RUNS} signed /canary texts of any characters and length with 200 and a message Slack accepts, injecting nothing`, async () => {
    const word = fc.constantFrom(
      '',
      'help',
      'list',
      'show',
      'place',
      'retire',
      'unsuppress',
      'audit',
      'test',
      'frobnicate',
      '<!channel>',
      'new --owner',
      'list --status',
    );
    await fc.assert(
      fc.asyncProperty(
        word,
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc.constantFrom('<!here>', '<https://evil|x>', '`', '*_~', '\u202e', 'c0000000', '--page 0'),
        ),
        async (w, rest) => {
          const { res, body } = await h.command(`${w} ${rest}`.trim());
          expect(res.statusCode).toBe(200);
          if (body) {
            expect(checkMessage(body)).toEqual([]);
            for (const t of mrkdwnOf(body)) expect(injected(t), t).toBe(false);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`handles ${RUNS} mutated CloudTrail records: no crash, every message counted or returned for the DLQ, nothing injected`, async () => {
    const identity = {
      type: 'IAMUser',
      accessKeyId: 'AKIAFUZZ000000000001',
      arn: `arn:aws:iam::123456789012:user${h.userPath}fuzz`,
      userName: 'fuzz',
    };
    await h.store.putNewCanary({
      id: 'cfuzz01',
      kind: 'aws-key',
      location: 'fuzz box',
      owner: 'U0OWNER1',
      createdAt: new Date().toISOString(),
      createdBy: ADMIN,
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    const samples = sampleFiles().map(readSample);
    const hostile = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer(),
      fc.boolean(),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ minLength: 5000, maxLength: 5001 }),
      fc.constantFrom('<!channel>', '<https://evil.example|click>', '*bold* `x`', '', '::1'),
      fc.object({ maxDepth: 3 }),
      fc.array(fc.string(), { maxLength: 5 }),
    );
    const field = fc.constantFrom(
      'eventID',
      'eventName',
      'eventSource',
      'eventTime',
      'awsRegion',
      'sourceIPAddress',
      'userAgent',
      'errorCode',
      'errorMessage',
      'requestParameters',
      'userIdentity',
      'userIdentity.type',
      'userIdentity.arn',
      'userIdentity.userName',
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(field, hostile), { minLength: 1, maxLength: 4 }),
        async (i, mutations) => {
          const raw = structuredClone(samples[i]!) as Record<string, unknown>;
          const record = ('detail' in raw ? raw.detail : raw) as Record<string, unknown>;
          record.userIdentity = { ...identity };
          record.eventID = `fuzz-${n++}`;
          for (const [path, value] of mutations) {
            const [a, b] = path.split('.') as [string, string | undefined];
            if (b) {
              const parent = record[a];
              if (parent && typeof parent === 'object' && !Array.isArray(parent)) (parent as Record<string, unknown>)[b] = value;
            } else if (value === undefined) delete record[a];
            else record[a] = value;
          }
          const before = h.standin.calls.length;
          const out = await h.alert.handler(sqsEvent([snsNotificationBody(raw)]));
          expect(out).toBeDefined();
          for (const c of h.standin.calls.slice(before)) {
            if (!c.method.startsWith('chat.') || c.method === 'chat.getPermalink') continue;
            expect(checkMessage(c.args)).toEqual([]);
            for (const t of mrkdwnOf(c.args)) expect(injected(t), t).toBe(false);
          }
          if (out && out.batchItemFailures.length)
            expect(h.logs()).toMatch(/unusable (CloudTrail record|alert message)|alert processing failed/);
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);
});
