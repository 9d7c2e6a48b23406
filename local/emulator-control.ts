import type { IAMClient } from '@aws-sdk/client-iam';
/**
 * The emulator's own controls (local/moto_server.py, "IAM, STS, Organizations: throttling per
 * account"): AWS's throttling of the control planes the bot paces, a latency per call, and the
 * calls each account made, so that a scale test meets Throttling as it would on AWS and a
 * benchmark prints its IAM calls exactly. Off until set; a setting lasts until the next one, across
 * moto's /moto-api/reset.
 */
export type PacedService = 'iam' | 'sts' | 'organizations';

export interface Throttle {
  /** Tokens a second each (service, account) bucket refills with; 0 throttles nothing. */
  rate: number;
  /** The bucket's size: calls at once before throttling starts. Default: the rate, at least 1. */
  burst?: number;
  /** Added to every call of those services, throttled or not. */
  latencyMs?: number;
  /** Default: all three. */
  services?: PacedService[];
}

export interface CountedCall {
  service: PacedService;
  account: string;
  action: string;
  /** Every call that reached the emulator, throttled ones included. */
  count: number;
  throttled: number;
}

async function control(endpoint: string, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`${endpoint.replace(/\/$/, '')}/moto-api/canary-bot/${path}`, init);
  if (!res.ok) throw new Error(`emulator ${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Replaces the whole setting: what `t` leaves out is off. `throttle(url, { rate: 0 })` turns all off. */
export async function throttle(endpoint: string, t: Throttle): Promise<void> {
  const body: Record<string, unknown> = { rate: t.rate, latency_ms: t.latencyMs ?? 0 };
  if (t.burst !== undefined) body.burst = t.burst;
  if (t.services !== undefined) body.services = t.services;
  await control(endpoint, 'throttle', { method: 'POST', body: JSON.stringify(body) });
}

/** Calls per (service, account, action) since the emulator started or since `resetCalls`. */
export async function calls(endpoint: string): Promise<CountedCall[]> {
  return ((await (await control(endpoint, 'calls')).json()) as { calls: CountedCall[] }).calls;
}

export async function resetCalls(endpoint: string): Promise<void> {
  await control(endpoint, 'calls', { method: 'DELETE' });
}

/** The calls to one service, in all accounts or one: what a benchmark prints as "IAM calls". */
export function total(counted: CountedCall[], service: PacedService, account?: string): number {
  return counted.filter((c) => c.service === service && (account === undefined || c.account === account)).reduce((n, c) => n + c.count, 0);
}

/**
 * The client acts as `account`'s administrator in moto (its account header): how tests and
 * benchmarks make an account's first resources and read any account. `unpaced`: the emulated
 * throttle neither counts nor slows its calls (the tests' own reads are not the bot's).
 */
export function inEmulatedAccount<C extends { middlewareStack: { add: IAMClient['middlewareStack']['add'] } }>(
  client: C,
  account: string,
  opts: { unpaced?: boolean } = {},
): C {
  client.middlewareStack.add(
    (next) => (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      headers['x-moto-account-id'] = account;
      if (opts.unpaced) headers['x-moto-unpaced'] = '1';
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}
