import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { loadConfig } from '../bot/config';
import { log } from '../bot/log';
import { createRuntime } from '../bot/runtime';
import { createSlackApp } from '../bot/slack-app';
import { bootstrap } from '../local/bootstrap';
import { startMoto } from '../local/moto';
import type { Moto } from '../local/moto';
import { renderMessage } from '../local/render-text';
import { functionUrlEvent, signed, slashCommandBody } from '../local/slack-requests';
import { startSlackStandin } from '../local/slack-standin';

/**
 * `npm start`.
 * - With SLACK_APP_TOKEN (plus the usual Slack settings): the bot in Socket Mode against a real
 *   workspace, AWS from the SDK's own configuration, or the emulator with `npm start -- --moto`.
 * - Otherwise: an offline sandbox. moto stands in for AWS, a local stand-in for Slack, and the
 *   unchanged handlers/slack serves signed requests on localhost. Type /canary commands at the
 *   prompt; they are signed and sent exactly as Slack would.
 */
const SANDBOX_USER = 'U0SANDBOX';
const SANDBOX_SECRET = 'sandbox-signing-secret';

async function startEmulator(): Promise<Moto> {
  const moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: process.env.AWS_REGION || 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
  });
  await bootstrap({ table: process.env.CANARY_TABLE || 'aws-canary-bot', region: process.env.AWS_REGION! });
  return moto;
}

async function socketMode(appToken: string): Promise<void> {
  const moto = process.argv.includes('--moto') ? await startEmulator() : undefined;
  if (moto) process.env.CANARY_TABLE ||= 'aws-canary-bot';
  const rt = createRuntime(loadConfig());
  const app = createSlackApp(rt, { socketMode: { appToken } });
  await app.start();
  console.log(`Connected to Slack in Socket Mode; AWS: ${moto ? `emulator at ${moto.url}` : 'from your SDK configuration'}. Ctrl-C to stop.`);
  process.once('SIGINT', () => void app.stop().then(() => moto?.stop()).then(() => process.exit(0)));
}

async function sandbox(): Promise<void> {
  console.log('Starting the offline sandbox (AWS emulator + Slack stand-in)...');
  const moto = await startEmulator();
  const standin = await startSlackStandin();
  Object.assign(process.env, {
    SLACK_SIGNING_SECRET: SANDBOX_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-sandbox',
    SLACK_API_URL: standin.apiUrl,
    ALERT_CHANNEL_ID: 'C0SANDBOX',
    CANARY_TABLE: process.env.CANARY_TABLE || 'aws-canary-bot',
    ADMIN_USER_IDS: SANDBOX_USER,
    JOBS_FUNCTION_NAME: '',
  });
  // The bot's JSON logs would bury the conversation; warnings and errors still show.
  if (!process.env.POWERTOOLS_LOG_LEVEL) log.setLogLevel('WARN');
  const slack = await import('../handlers/slack');

  // What Slack would show: every message the bot sends, as text.
  standin.onCall = (call) => {
    if (call.method === 'response_url' || call.method.startsWith('chat.')) {
      const where = call.method === 'response_url' || call.method === 'chat.postEphemeral' ? 'only visible to you' : `#${String(call.args.channel)}`;
      console.log(`\n[bot, ${where}]\n${renderMessage(call.args)}\n`);
    } else if (call.method === 'views.open') {
      console.log('\n[bot opened a form; forms need a browser: the web sandbox arrives with issue 8. Use /canary new <location> here.]\n');
    }
  };

  // The Slack endpoint, as Lambda's Function URL would see it.
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const body = Buffer.concat(chunks).toString('utf8');
      void slack.handler(functionUrlEvent({ body, contentType: headers['content-type'] ?? '', headers }), {} as never).then((out) => {
        res.writeHead(out.statusCode ?? 200, { 'content-type': 'application/json', ...(out.headers as Record<string, string>) });
        res.end(out.body ?? '');
      });
    });
  });
  const port = process.env.PORT !== undefined ? Number(process.env.PORT) : 3000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r).once('error', () => server.listen(0, '127.0.0.1', r)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

  console.log(`\nSandbox ready. Slack endpoint: ${url} (signing secret "${SANDBOX_SECRET}")`);
  console.log(`You are ${SANDBOX_USER}, an admin. Try: /canary new laptop-42   /canary list   /canary help   (Ctrl-D to quit)\n`);

  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  // One command at a time, in order, each with its background job finished: like a person typing.
  let queue = Promise.resolve();
  const run = async (line: string) => {
    const m = /^\s*\/canary\b(.*)$/.exec(line);
    if (!m) {
      if (line.trim()) console.log('Type a /canary command.');
      return;
    }
    const body = slashCommandBody({ text: m[1]!.trim(), userId: SANDBOX_USER, responseUrl: standin.newResponseUrl() });
    const { headers } = signed(SANDBOX_SECRET, body, 'application/x-www-form-urlencoded');
    const res = await fetch(url, { method: 'POST', headers, body });
    const text = await res.text();
    if (text) console.log(`\n[bot, only visible to you]\n${renderMessage(JSON.parse(text) as Record<string, unknown>)}\n`);
    await (await slack.ready).runtime.jobsIdle();
  };
  rl.prompt();
  rl.on('line', (line) => {
    queue = queue.then(() => run(line)).catch((err: unknown) => console.error(err)).then(() => rl.prompt());
  });
  rl.on('close', () => {
    void queue.then(async () => {
      server.close();
      await standin.close();
      await moto.stop();
      process.exit(0);
    });
  });
}

const appToken = process.env.SLACK_APP_TOKEN;
(appToken ? socketMode(appToken) : sandbox()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
