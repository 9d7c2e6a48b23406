import { IAMClient } from '@aws-sdk/client-iam';
import { clientOptions, createTableStore } from '../../bot/aws';
import { MintError, errorText } from '../../bot/errors';
import { findKind } from '../../bot/kinds';
import type { KindContext, Minted } from '../../bot/kinds/kind';
import { log } from '../../bot/log';
import { createWebClient } from '../../bot/slack-client';
import { checkChannel, waitForAlerts } from './alerts';
import type { Awaited } from './alerts';
import { leftoverSmokeCanaries, mintSmokeCanary, retireSmokeCanary } from './canaries';
import { findDeployment } from './deployment';
import type { Deployment } from './deployment';
import { whyNoAlert } from './diagnose';
import { USAGE, parseOptions } from './options';
import { sandboxAttacker } from './sandbox';
import { SmokeError } from './smoke-error';
import { passed, renderTable } from './table';
import type { Row } from './table';
import { UseError, awsAttacker } from './use';

/**
 * `npm run smoke`: mint, use, wait for the alert, retire, report. Exit codes: 0 every kind
 * alerted; 1 some kind did not (or something could not be retired); 2 the run could not start
 * (what it needs is named); 130/143 interrupted, after retiring what it had minted.
 *
 * Whatever happens, what was minted is retired: at the end, on an error, and on SIGINT/SIGTERM
 * (the handler retires at once, while the main flow stops where it is). A run killed outright
 * leaves its canaries marked in the table; the next run retires them first, and failing that,
 * their expiry date (tomorrow) has the daily audit retire them.
 */
export async function runSmoke(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  let deployment: Deployment;
  try {
    const opts = parseOptions(argv);
    if (opts.help) return (out(USAGE), 0);
    // The bot's INFO lines (a canary retired...) would bury the table; warnings and errors still show.
    if (!process.env.POWERTOOLS_LOG_LEVEL) log.setLogLevel('WARN');
    deployment = await findDeployment(opts);
    return await smoke(deployment, opts.timeoutSeconds ?? (deployment.sandbox ? 60 : 600), out);
  } catch (err) {
    if (!(err instanceof SmokeError)) throw err;
    out(`smoke: ${err.message}`);
    return 2;
  }
}

const canaries = (n: number) => `${n} smoke ${n === 1 ? 'canary' : 'canaries'}`;

/** Never settles: the signal handler ends the process once it has retired what was minted. */
const halted = () => new Promise<never>(() => undefined);

async function smoke(d: Deployment, timeoutSeconds: number, out: (line: string) => void): Promise<number> {
  const { config } = d;
  const ctx: KindContext = {
    config,
    store: createTableStore(config.region, config.table),
    aws: { iam: new IAMClient(clientOptions(config.region)) },
  };
  const slack = createWebClient(config);
  const abort = new AbortController();
  const attacker = d.sandbox ? sandboxAttacker(d.sandbox) : awsAttacker(config.region, abort.signal);
  out(`smoke: ${d.source}: table ${config.table}, channel ${config.alertChannelId}, canary path ${config.userPath}`);
  out(`smoke: kinds ${d.kinds.join(', ')}; waiting up to ${timeoutSeconds} s for each alert`);

  // Retire each canary once, whoever asks first (the main flow or the signal handler).
  const minted: Minted[] = [];
  const minting = new Set<Promise<unknown>>();
  const retiring = new Map<string, Promise<string | undefined>>();
  const retire = (id: string, detail: string) => {
    if (!retiring.has(id))
      retiring.set(
        id,
        retireSmokeCanary(ctx, id, detail).then(
          () => undefined,
          (err: unknown) => errorText(err),
        ),
      );
    return retiring.get(id)!;
  };
  const retireAll = async (detail: string) => {
    while (minting.size) await Promise.allSettled([...minting]);
    return Promise.all(minted.map(async (m) => [m.record.id, await retire(m.record.id, detail)] as const));
  };

  let stopping: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    // npm and tsx pass a terminal's Ctrl-C on to this process as well: the first one is enough.
    if (stopping) return;
    stopping = sig;
    abort.abort();
    out(`\nsmoke: ${sig}: retiring the smoke canaries minted so far before exiting`);
    void retireAll(`smoke run interrupted (${sig})`).then((results) => {
      const failed = results.filter(([, err]) => err);
      for (const [id, err] of failed) out(`smoke: could not retire ${id} (${err}); the next run retires it`);
      out(`smoke: retired ${results.length - failed.length} of ${canaries(results.length)}`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let leftFailed = false;
  const left = await leftoverSmokeCanaries(ctx).catch((err: unknown) => {
    throw new SmokeError(`the table ${config.table} could not be read (${errorText(err)}): check CANARY_TABLE and your DynamoDB rights`);
  });
  if (left.length) {
    out(`smoke: retiring ${canaries(left.length)} an earlier run left behind (it was interrupted): ${left.map((c) => c.id).join(', ')}`);
    for (const c of left)
      await retireSmokeCanary(ctx, c.id, 'left by an interrupted smoke run').catch((err: unknown) => {
        leftFailed = true;
        out(`smoke: could not retire ${c.id} (${errorText(err)}): retire it with /canary retire ${c.id}`);
      });
  }
  await checkChannel(slack, config.alertChannelId);

  const rows = new Map<string, Row>(d.kinds.map((kind) => [kind, { kind, alerted: 'no' }]));
  const runId = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  try {
    for (const kind of d.kinds) {
      if (abort.signal.aborted) return halted();
      const row = rows.get(kind)!;
      const p = mintSmokeCanary(ctx, kind, runId).then((m) => (minted.push(m), m));
      minting.add(p);
      try {
        const m = await p;
        row.canaryId = m.record.id;
        const [label, value] = findKind(kind)!.describe(m.record)[0] ?? ['', ''];
        out(`smoke: minted ${kind} ${m.record.id} (${label} ${value})`);
      } catch (err) {
        row.fix = `mint failed: ${err instanceof MintError ? err.message : errorText(err)}`;
        out(`smoke: ${kind}: ${row.fix}`);
      } finally {
        minting.delete(p);
      }
    }

    const awaited: Awaited[] = [];
    for (const m of minted) {
      if (abort.signal.aborted) return halted();
      const row = rows.get(m.record.kind)!;
      try {
        const use = await attacker.use(m.record, m.credentials);
        awaited.push({ canary: m.record, at: use.at });
        out(`smoke: used ${m.record.kind} ${m.record.id}: ${use.call} (${use.answer})`);
      } catch (err) {
        if (!(err instanceof UseError)) throw err;
        row.fix = `use failed: ${err.message}`;
        out(`smoke: ${m.record.kind}: ${row.fix}`);
      }
      // The key's secret is needed for that one call only.
      delete m.credentials;
    }

    const deadline = Date.now() + timeoutSeconds * 1000;
    const alerts = await waitForAlerts(slack, config.alertChannelId, awaited, {
      deadline,
      pollMs: d.sandbox ? 300 : 5000,
      signal: abort.signal,
      onAlert: (w, a) => out(`smoke: alert for ${w.canary.kind} ${w.canary.id} after ${a.seconds.toFixed(1)} s`),
    }).catch((err: unknown) => {
      if (abort.signal.aborted) return new Map();
      const why = `could not read the alert channel (${errorText(err)})`;
      for (const w of awaited) rows.get(w.canary.kind)!.fix = why;
      return new Map();
    });
    if (abort.signal.aborted) return halted();

    // Diagnosed while the canaries still exist: the decoy trail's selection goes with them.
    for (const w of awaited) {
      const row = rows.get(w.canary.kind)!;
      const a = alerts.get(w.canary.id);
      if (a) {
        row.seconds = a.seconds;
        row.alerted = a.unknown ? 'unknown' : a.degraded ? 'degraded' : 'yes';
        if (a.unknown)
          row.fix = `alerted as an unknown canary: the alert function reads another table than ${config.table}; compare the functions' CANARY_TABLE`;
        if (a.degraded)
          row.fix = "degraded alert: the alert function could not record the event; its logs say why (the table's permissions or capacity)";
      } else row.fix ??= await whyNoAlert(d, w.canary, timeoutSeconds);
    }
  } catch (err) {
    if (stopping) return halted();
    await retireAll('smoke run failed');
    throw err;
  }

  if (stopping) return halted();
  for (const [id, err] of await retireAll('smoke test done')) {
    if (stopping) return halted();
    if (!err) continue;
    const row = [...rows.values()].find((r) => r.canaryId === id)!;
    row.fix = `${row.fix ? `${row.fix}; ` : ''}retire failed (${err}): /canary retire ${id}, or the next run retries`;
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  out(`smoke: retired ${canaries(minted.length)}`);
  out('');
  out(renderTable([...rows.values()]));
  return passed([...rows.values()]) && !leftFailed ? 0 : 1;
}
