import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * The checks Bolt's AwsLambdaReceiver leaves out, made before it sees a request. Bolt refuses a
 * stale timestamp but takes any timestamp in the future (a captured request would stay valid for
 * ever); it reads a base64 body as ASCII and compares the content type as a whole string, so
 * Slack's UTF-8 text or `; charset=utf-8` would fail; and it does not look at which workspace and
 * app a request is for. Here the signature is checked first, over the exact bytes, with the
 * window held both ways; then the event is handed to Bolt as plain UTF-8 with the bare media type,
 * and Bolt verifies the signature again, as it always does.
 */
export const TIMESTAMP_WINDOW_SECONDS = 300;

export interface SlackIdentity {
  signingSecret: string;
  teamId: string;
  appId: string;
}

export type Entry = { ok: true; event: LambdaFunctionURLEvent } | { ok: false; statusCode: 400 | 401 | 403; reason: string };

const MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'application/json']);

const header = (event: LambdaFunctionURLEvent, name: string): string | undefined => {
  const key = Object.keys(event.headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : event.headers[key];
};

function signatureMatches(secret: string, ts: string, raw: Buffer, signature: string): boolean {
  const expected = createHmac('sha256', secret).update(`v0:${ts}:`).update(raw).digest();
  const m = /^v0=([0-9a-f]{64})$/.exec(signature);
  return !!m && timingSafeEqual(Buffer.from(m[1]!, 'hex'), expected);
}

/** The workspace and app a verified body names, wherever its kind of payload keeps them. */
function namedIdentity(body: Record<string, unknown>): { team?: unknown; app?: unknown } {
  const team = body.team as { id?: unknown } | undefined;
  const view = body.view as { team_id?: unknown } | undefined;
  return { team: body.team_id ?? team?.id ?? view?.team_id, app: body.api_app_id };
}

function parseBody(mediaType: string, text: string): Record<string, unknown> | undefined {
  try {
    if (mediaType === 'application/json') return JSON.parse(text) as Record<string, unknown>;
    const form = parseQuery(text) as Record<string, unknown>;
    return typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
  } catch {
    return undefined;
  }
}

export function checkSlackRequest(event: LambdaFunctionURLEvent, id: SlackIdentity, nowMs = Date.now()): Entry {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
  const ts = header(event, 'x-slack-request-timestamp') ?? '';
  const signature = header(event, 'x-slack-signature') ?? '';
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, statusCode: 401, reason: 'no timestamp' };
  if (Math.abs(nowMs / 1000 - Number(ts)) > TIMESTAMP_WINDOW_SECONDS)
    return { ok: false, statusCode: 401, reason: 'timestamp outside the 5-minute window' };
  if (!signatureMatches(id.signingSecret, ts, raw, signature)) return { ok: false, statusCode: 401, reason: 'bad signature' };

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return { ok: false, statusCode: 400, reason: 'body is not UTF-8' };
  }
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!MEDIA_TYPES.has(mediaType)) return { ok: false, statusCode: 400, reason: 'unexpected content type' };
  const body = parseBody(mediaType, text);
  if (!body || typeof body !== 'object') return { ok: false, statusCode: 400, reason: 'malformed body' };

  // Slack's two requests that name no workspace: its certificate check and the Events API's URL check.
  const unnamed = body.ssl_check != null || body.type === 'url_verification'; // as Bolt reads them
  if (!unnamed) {
    const named = namedIdentity(body);
    if (named.team !== id.teamId || named.app !== id.appId)
      return { ok: false, statusCode: 403, reason: 'request for another workspace or app' };
  }

  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-type'));
  return { ok: true, event: { ...event, headers: { ...headers, 'content-type': mediaType }, body: text, isBase64Encoded: false } };
}
