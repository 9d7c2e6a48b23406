/**
 * `npm run bench`: the offline sandbox under a flood, end to end and without a browser. One key
 * is minted through the page's route, then FLOOD calls are made with it against moto and put on
 * EventBridge; the alert path counts them. Prints how long each half took and what reached
 * Slack. Asserts nothing.
 */
import { startSandbox } from '../local/sandbox/server';

const FLOOD = Number(process.env.BENCH_FLOOD ?? 2000);

interface State {
  messages: Array<{ channel: string; ephemeral: boolean; threadTs?: string; blocks?: unknown[] }>;
  attack: { targets: Array<{ canaryId: string }>; running: boolean; sent: number };
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ port: 0 });
  const post = (path: string, body: unknown) =>
    fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const state = async () => (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as State;
  const until = async <T>(probe: (s: State) => T | undefined): Promise<T> => {
    for (;;) {
      const found = probe(await state());
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  try {
    await post('/sandbox/command', { channel: 'C0SANDBOX', text: '/canary new bench-host' });
    const canaryId = await until((s) => s.attack.targets[0]?.canaryId);
    const started = Date.now();
    await post('/sandbox/attack', { canaryId, call: 'ListBuckets', sourceIp: '203.0.113.7', userAgent: 'bench', count: FLOOD });
    await until((s) => (!s.attack.running && s.attack.sent === FLOOD ? true : undefined));
    const sent = Date.now();
    const total = FLOOD.toLocaleString('en-US');
    const final = await until((s) =>
      s.messages.some(
        (m) => !m.ephemeral && !m.threadTs && m.channel === 'C0SANDBOX' && JSON.stringify(m.blocks).includes(`*${total} calls*`),
      )
        ? s
        : undefined,
    );
    const counted = Date.now();
    const channel = final.messages.filter((m) => m.channel === 'C0SANDBOX' && !m.ephemeral);
    console.log(
      `sandbox flood of ${total} calls: made and on the bus in ${((sent - started) / 1000).toFixed(1)} s (${Math.round(FLOOD / ((sent - started) / 1000))}/s), counted on the alert ${((counted - sent) / 1000).toFixed(1)} s later (updates at most every 10 s)`,
    );
    console.log(
      `  in the channel: ${channel.filter((m) => !m.threadTs).length} alert, ${channel.filter((m) => m.threadTs).length} thread replies`,
    );
  } finally {
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
