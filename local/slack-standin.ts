import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkMessage, checkView } from './block-kit';
import { STANDIN_TEAM_ID } from './slack-requests';

/**
 * A local stand-in for Slack's Web API and response_url endpoints. It records every call,
 * answers the way Slack does (HTTP 200 with ok/error, ts for messages), enforces Block Kit
 * limits, and can be told to answer the next call to a method with a 429 or a 5xx.
 * Used by the tests and by the offline sandbox.
 */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** Set for response_url posts: which command's URL was used. */
  responseUrlId?: string;
  at: number;
}

export type Failure = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { error: string } | { delayMs: number };

export interface SlackStandin {
  /** Base URL of the Web API, with trailing slash: the bot's SLACK_API_URL. */
  apiUrl: string;
  /** A fresh response_url, as Slack puts in each slash command and interaction. */
  /** A response_url of Slack's shape, for a command (default) or an interaction. */
  newResponseUrl(kind?: 'commands' | 'actions'): string;
  calls: SlackCall[];
  /** Messages as they stand now (after chat.update), by channel and ts. */
  messages: Map<string, Record<string, unknown>>;
  /** Members Slack would list for usergroups.users.list. */
  usergroups: Map<string, string[]>;
  /** The next call to `method` (or '*' for any) fails this way (or is answered late). */
  failNext(method: string, failure: Failure, times?: number): void;
  /** Called for every recorded call (the sandbox prints them). */
  onCall?: (call: SlackCall) => void;
  close(): Promise<void>;
}

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.postEphemeral', 'chat.update']);

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  // The Web API client sends form fields, with objects (blocks, view) as JSON strings.
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    try {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startSlackStandin(opts: { token?: string } = {}): Promise<SlackStandin> {
  const calls: SlackCall[] = [];
  let responseSeq = 0;
  const messages = new Map<string, Record<string, unknown>>();
  const usergroups = new Map<string, string[]>();
  const failures: Array<{ method: string; failure: Failure }> = [];
  let seq = 0;
  // Slack's ts: seconds and microseconds, unique and increasing within a channel.
  let lastMicros = 0;
  const nextTs = () => {
    lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  function takeFailure(method: string): Failure | undefined {
    const i = failures.findIndex((f) => f.method === method || f.method === '*');
    return i === -1 ? undefined : failures.splice(i, 1)[0]!.failure;
  }

  function answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    if (MESSAGE_METHODS.has(method)) {
      const errors = checkMessage(args);
      if (errors.length) return { ok: false, error: 'invalid_blocks', errors };
      const channel = String(args.channel ?? '');
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (method === 'chat.postEphemeral') return { ok: true, message_ts: nextTs() };
      if (method === 'chat.update') {
        const key = `${channel}/${String(args.ts)}`;
        if (!messages.has(key)) return { ok: false, error: 'message_not_found' };
        messages.set(key, { ...messages.get(key), ...args });
        return { ok: true, channel, ts: args.ts };
      }
      const ts = nextTs();
      messages.set(`${channel}/${ts}`, { ...args, ts });
      return { ok: true, channel, ts, message: { ...args, ts } };
    }
    switch (method) {
      case 'views.open':
      case 'views.update':
      case 'views.push': {
        const errors = checkView(args.view);
        if (errors.length) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: errors } };
        if (method === 'views.open' && !args.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
        return { ok: true, view: { id: `V${++seq}`, ...(args.view as object) } };
      }
      case 'usergroups.users.list': {
        const users = usergroups.get(String(args.usergroup));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users ?? 'X').replace(/\W/g, '')}` } };
      case 'chat.getPermalink':
        return {
          ok: true,
          permalink: `https://example.slack.com/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}`,
        };
      case 'conversations.history':
        return history(args);
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /**
   * conversations.history over the channel's messages as they stand (after chat.update), newest
   * first, as Slack returns it: top-level messages only (thread replies unless broadcast),
   * `oldest`/`latest` exclusive unless `inclusive`, `limit` (default 100, at most 999) and a cursor.
   */
  function history(args: Record<string, unknown>): Record<string, unknown> {
    const channel = String(args.channel ?? '');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    // Form fields arrive as strings; JSON bodies may carry real booleans.
    const inclusive = ['true', '1'].includes(String(args.inclusive));
    const oldest = Number(args.oldest ?? 0);
    const latest = args.latest === undefined ? Infinity : Number(args.latest);
    const limit = Math.min(Math.max(Number(args.limit ?? 100) || 100, 1), 999);
    const offset = args.cursor
      ? Number(
          Buffer.from(String(args.cursor), 'base64')
            .toString('utf8')
            .replace(/^offset:/, ''),
        )
      : 0;
    if (!Number.isInteger(offset) || offset < 0) return { ok: false, error: 'invalid_cursor' };
    const inWindow = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest);
    const all = [...messages.entries()]
      .filter(([key, m]) => key.startsWith(`${channel}/`) && (!m.thread_ts || m.thread_ts === m.ts || String(m.reply_broadcast) === 'true'))
      .map(([, m]) => m)
      .filter((m) => inWindow(Number(m.ts)))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = all.slice(offset, offset + limit).map((m) => ({ type: 'message', bot_id: 'BBOT', ...m }));
    const more = offset + limit < all.length;
    return {
      ok: true,
      messages: page,
      has_more: more,
      response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '' },
    };
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req).catch(() => undefined);
      if (!body) return send(res, 400, { ok: false, error: 'invalid_form_data' });

      // response_urls have Slack's shape (see bot/respond.ts); the token names the call.
      const response = /^\/(?:commands|actions)\/T[A-Z0-9]+\/\d+\/([A-Za-z0-9]+)$/.exec(url.pathname);
      const method = response ? 'response_url' : url.pathname.replace(/^\/api\//, '');
      let failure = takeFailure(method);
      if (failure && 'delayMs' in failure) {
        // A slow Slack: answer normally, but late (clients time out and retry).
        await new Promise((r) => setTimeout(r, failure && 'delayMs' in failure ? failure.delayMs : 0));
        failure = undefined;
      }
      const call: SlackCall = { method, args: body, at: Date.now(), ...(response ? { responseUrlId: response[1] } : {}) };
      if (failure && 'status' in failure) {
        return send(
          res,
          failure.status,
          { ok: false, error: failure.status === 429 ? 'ratelimited' : 'internal_error' },
          failure.status === 429 ? { 'retry-after': String(failure.retryAfter) } : {},
        );
      }
      if (response) {
        const errors = checkMessage(body);
        calls.push(call);
        standin.onCall?.(call);
        return errors.length ? send(res, 400, { ok: false, error: 'invalid_blocks', errors }) : send(res, 200, { ok: true });
      }
      if (!url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'not_found' });
      const auth = req.headers.authorization ?? (typeof body.token === 'string' ? `Bearer ${body.token}` : '');
      if (!auth.startsWith('Bearer xoxb-') || (opts.token && auth !== `Bearer ${opts.token}`))
        return send(res, 200, { ok: false, error: 'invalid_auth' });
      calls.push(call);
      standin.onCall?.(call);
      if (failure) return send(res, 200, { ok: false, error: failure.error });
      return send(res, 200, answer(method, body));
    })().catch((err: unknown) => send(res, 500, { ok: false, error: String(err) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standin: SlackStandin = {
    apiUrl: `${base}/api/`,
    newResponseUrl: (kind = 'commands') => `${base}/${kind}/${STANDIN_TEAM_ID}/${++responseSeq}/${randomUUID().replace(/-/g, '')}`,
    calls,
    messages,
    usergroups,
    failNext: (method, failure, times = 1) => {
      for (let i = 0; i < times; i++) failures.push({ method, failure });
    },
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  return standin;
}
