import type { CanaryRecord } from '../../bot/model/canary';
import type { FoundEnvironment } from './stack';
import { SmokeError } from './smoke-error';
import { SMOKE_USER_AGENT, UseError } from './use';
import type { Attacker } from './use';

/**
 * `--sandbox <url>`: the offline sandbox of `npm start`. Nothing there turns an AWS call into a
 * CloudTrail event but the sandbox's own attacker (local/attacker.ts), which makes the call
 * against the emulator and puts the record AWS would write on the bus; so the "use" step goes
 * through its attack route, and the rest (mint, the channel's history, retire) is the same as
 * against AWS, pointed at the sandbox's emulator and Slack stand-in.
 */
export async function sandboxEnvironment(url: string): Promise<FoundEnvironment> {
  const res = await fetch(`${url}/sandbox/deployment`).catch((err: unknown) => {
    throw new SmokeError(
      `the sandbox at ${url} did not answer (${err instanceof Error ? err.message : String(err)}): is \`npm start\` running?`,
    );
  });
  if (!res.ok)
    throw new SmokeError(`the sandbox at ${url} answered HTTP ${res.status} for /sandbox/deployment: is it this version's sandbox?`);
  const d = (await res.json()) as { region: string; awsEndpoint: string; env: Record<string, string> };
  // Every AWS client of this process, the bot's own in bot/kinds included, goes to the emulator;
  // its credentials are any, and the shell's (a profile, a session) must not be sent there.
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN']) delete process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: d.awsEndpoint,
    AWS_REGION: d.region,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
  });
  return { env: d.env, region: d.region, source: `the sandbox at ${url}` };
}

interface AttackState {
  running: boolean;
  last?: { canaryId: string; sent: number; answer: string };
}

const CALL: Record<string, string> = { 'aws-key': 'GetCallerIdentity', 's3-object': 'GetObject', 'ecr-image': 'BatchGetImage' };
const ATTACK_WAIT_MS = 30_000;

export function sandboxAttacker(url: string): Attacker {
  const state = async () => ((await (await fetch(`${url}/sandbox/state`)).json()) as { attack: AttackState }).attack;
  return {
    async use(canary: CanaryRecord, credentials) {
      const call = CALL[canary.kind];
      if (!call) throw new UseError(`the sandbox cannot use a ${canary.kind}`);
      const body = JSON.stringify({
        canaryId: canary.id,
        call,
        sourceIp: '127.0.0.1',
        userAgent: SMOKE_USER_AGENT,
        count: 1,
        ...(canary.kind === 'aws-key' && credentials ? { key: credentials } : {}),
      });
      const end = Date.now() + ATTACK_WAIT_MS;
      let at: number;
      for (;;) {
        at = Date.now();
        const res = await fetch(`${url}/sandbox/attack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (res.ok) break;
        // One attack at a time: someone at the page may be running one.
        if (res.status !== 409 || Date.now() > end) throw new UseError(`the sandbox refused the call: ${await res.text()}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      for (;;) {
        const a = await state();
        if (!a.running && a.last?.canaryId === canary.id) {
          if (a.last.sent === 0) throw new UseError(`the sandbox's CloudTrail recorded nothing: ${a.last.answer}`);
          return { at, call, answer: a.last.answer };
        }
        if (Date.now() > end) throw new UseError('the sandbox did not finish the call in 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
