import { loadConfig } from '../bot/config';
import { createRuntime } from '../bot/runtime';
import { createSlackApp } from '../bot/slack-app';
import { bootstrap } from '../local/bootstrap';
import { startMoto } from '../local/moto';
import { startSandbox } from '../local/sandbox/server';

/**
 * `npm start`.
 * - With SLACK_APP_TOKEN (plus the usual Slack settings): the bot in Socket Mode against a real
 *   workspace, AWS from the SDK's own configuration, or the emulator with `npm start -- --moto`.
 * - Otherwise: the offline sandbox (local/sandbox), a web page at the one URL printed.
 */
async function socketMode(appToken: string): Promise<void> {
  let stopMoto = async (): Promise<void> => undefined;
  if (process.argv.includes('--moto')) {
    const moto = await startMoto();
    stopMoto = moto.stop;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_REGION: process.env.AWS_REGION || 'us-east-1',
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
    });
    process.env.CANARY_TABLE ||= 'aws-canary-bot';
    await bootstrap({ table: process.env.CANARY_TABLE, region: process.env.AWS_REGION! });
    console.log(`AWS: emulator at ${moto.url}`);
  }
  const rt = createRuntime(loadConfig());
  const app = createSlackApp(rt, { socketMode: { appToken } });
  await app.start();
  console.log('Connected to Slack in Socket Mode. Ctrl-C to stop.');
  process.once(
    'SIGINT',
    () =>
      void app
        .stop()
        .then(stopMoto)
        .then(() => process.exit(0)),
  );
}

async function sandbox(): Promise<void> {
  console.log('Starting the offline sandbox (AWS emulator, Slack stand-in, the bot)...');
  const port = process.env.PORT !== undefined ? Number(process.env.PORT) : 3000;
  const box = await startSandbox({ port });
  console.log(`\nSandbox ready: open ${box.url}\n(Ctrl-C to stop)`);
  const stop = () => void box.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const appToken = process.env.SLACK_APP_TOKEN;
(appToken ? socketMode(appToken) : sandbox()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
