import { cut } from '../text';

import type { Identity, TrailEvent } from '../model/trail-event';

/** Attacker-controlled strings can be huge; nothing we show or store needs more than this. */
export const FIELD_MAX = 1000;

/** Every string field goes through here: cut to `max` UTF-16 code units, and well-formed even when short. */
const str = (v: unknown, max = FIELD_MAX): string | undefined => {
  if (typeof v === 'string') return cut(v, max);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
};

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Attacker-controlled percent-encoding must not throw. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export type Parsed = { ok: true; event: TrailEvent } | { ok: false; reason: string; eventId?: string };

export function parseTrailEvent(raw: unknown): Parsed {
  if (!isObj(raw)) return { ok: false, reason: 'record is not an object' };
  const eventId = typeof raw.eventID === 'string' && raw.eventID ? str(raw.eventID, 128) : undefined;
  if (!eventId) return { ok: false, reason: 'record has no eventID' };
  const eventName = str(raw.eventName, 128);
  const eventSource = str(raw.eventSource, 128);
  if (typeof raw.eventName !== 'string' || !eventName) return { ok: false, reason: 'record has no eventName', eventId };
  if (typeof raw.eventSource !== 'string' || !eventSource) return { ok: false, reason: 'record has no eventSource', eventId };
  const eventTime = typeof raw.eventTime === 'string' && !Number.isNaN(Date.parse(raw.eventTime)) ? cut(raw.eventTime, 64, '') : undefined; // Date.parse takes "(any text)" comments
  if (!eventTime) return { ok: false, reason: 'record has no valid eventTime', eventId };

  const id = isObj(raw.userIdentity) ? raw.userIdentity : {};
  const userIdentity: Identity = {};
  for (const k of ['type', 'arn', 'accessKeyId', 'userName', 'accountId', 'principalId', 'invokedBy'] as const) {
    const v = str(id[k], 512);
    if (v) userIdentity[k] = v;
  }
  let requestParameters: string | undefined;
  if (raw.requestParameters !== null && raw.requestParameters !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(raw.requestParameters);
    } catch {
      json = '[unserialisable]';
    }
    requestParameters = str(json);
  }
  const event: TrailEvent = {
    eventId,
    eventName,
    eventSource,
    eventTime,
    region: str(raw.awsRegion, 64) ?? 'unknown',
    sourceIp: str(raw.sourceIPAddress, 256) || 'unknown', // also for "": it becomes a map key, and those cannot be empty
    userAgent: str(raw.userAgent) ?? '',
    userIdentity,
  };
  const errorCode = str(raw.errorCode, 256);
  const errorMessage = str(raw.errorMessage);
  if (errorCode) event.errorCode = errorCode;
  if (errorMessage) event.errorMessage = errorMessage;
  if (requestParameters) event.requestParameters = requestParameters;
  const params = isObj(raw.requestParameters) ? raw.requestParameters : {};
  // CopyObject names the destination in bucketName/key; the object read is the copy source.
  const copySource =
    typeof params['x-amz-copy-source'] === 'string'
      ? /^\/?([^/]+)\/(.+)$/.exec(safeDecode(params['x-amz-copy-source'].split('?')[0]!))
      : null;
  const bucket = str(copySource && eventName === 'CopyObject' ? copySource[1] : params.bucketName, 255);
  const objectKey = str(copySource && eventName === 'CopyObject' ? copySource[2] : params.key, 1024);
  if (bucket) event.bucket = bucket;
  if (objectKey) event.objectKey = objectKey;
  const repository = str(params.repositoryName, 256);
  if (repository) event.repository = repository;
  // The user an IAM call acts on (the guard's events name the canary here, not as the caller).
  const targetUser = eventSource === 'iam.amazonaws.com' ? str(params.userName, 128) : undefined;
  if (targetUser) event.targetUser = targetUser;
  return { ok: true, event };
}

/** "sts:GetCallerIdentity": the service prefix IAM uses, which is what responders think in. */
export function actionOf(e: Pick<TrailEvent, 'eventSource' | 'eventName'>): string {
  return `${e.eventSource.replace(/\.amazonaws\.com$/, '')}:${e.eventName}`;
}
