/**
 * The slack handler warm: time from a signed `/canary list` request to its response, in process,
 * against moto, p50/p99 over REQUESTS requests (with 50 canaries in the table).
 */
import { log } from '../bot/log';
import { bootstrap } from '../local/bootstrap';
import { startMoto } from '../local/moto';
import { functionUrlEvent, signed, slashCommandBody } from '../local/slack-requests';
import { startSlackStandin } from '../local/slack-standin';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const SECRET = 'bench-signing-secret';

log.setLogLevel('ERROR');
const moto = await startMoto();
const standin = await startSlackStandin();
Object.assign(process.env, {
  AWS_ENDPOINT_URL: moto.url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_TEAM_ID: 'T0001',
  SLACK_APP_ID: 'A0CANARY',
  SLACK_API_URL: standin.apiUrl,
  ALERT_CHANNEL_ID: 'C0BENCH',
  CANARY_TABLE: 'bench-warm',
  ADMIN_USER_IDS: 'U0BENCH',
});
try {
  await bootstrap({ table: 'bench-warm', region: 'us-east-1' });
  const slack = await import('../handlers/slack');
  const { runtime } = await slack.ready;
  for (let i = 0; i < 50; i++) {
    await runtime.store.putNewCanary({
      id: `cw${String(i).padStart(5, '0')}`,
      kind: 'aws-key',
      location: `host-${i}`,
      owner: 'U0BENCH',
      createdAt: new Date(Date.now() - i * 1000).toISOString(),
      createdBy: 'U0BENCH',
      status: 'active',
      aliases: [`AKIABENCH${i}`],
      resource: {},
    });
  }
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 20; i++) {
    const event = functionUrlEvent(
      signed(
        SECRET,
        slashCommandBody({ text: 'list', userId: 'U0BENCH', responseUrl: standin.newResponseUrl() }),
        'application/x-www-form-urlencoded',
      ),
    );
    const t0 = performance.now();
    const res = await slack.handler(event, {} as never);
    if (i >= 20) times.push(performance.now() - t0); // the first 20 warm the connections
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(
    `slack handler, warm, signed /canary list (50 canaries, moto): p50 ${p(0.5)} ms, p99 ${p(0.99)} ms over ${REQUESTS} requests`,
  );
} finally {
  await standin.close();
  await moto.stop();
}
