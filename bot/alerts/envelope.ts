/**
 * What arrives at the alert handler, unwrapped down to CloudTrail records. Accepted, in any
 * nesting the seeds of this field use:
 *   SQS body -> SNS notification (raw delivery off) -> EventBridge event -> detail (the record)
 *   SQS body -> EventBridge event (raw delivery on), or a raw record, or a log file {Records: [...]}
 *   a direct SNS event's Message, with the same contents
 * plus the bot's own control messages: delayed flushes of throttled Slack updates, and the
 * scheduled sweep (an EventBridge schedule puts `{"type": "sweep"}` on the queue).
 */
export interface FlushRequest {
  type: 'flush';
  canaryId: string;
  seq: number;
}

/** A Lambda on-failure destination record: the jobs function's async invocation failed. */
export interface JobFailure {
  payload: unknown;
  reason: string;
}

/** A CloudWatch alarm's state change, as SNS delivers it from an ops topic. */
export interface AlarmNotice {
  name: string;
  state: string;
  previous?: string;
  reason: string;
  description: string;
  /** The alarm's region code, from its ARN. */
  region: string;
  at: string;
}

export type Unwrapped =
  | { records: unknown[] }
  | { flush: FlushRequest }
  | { sweep: true }
  | { jobFailure: JobFailure }
  | { alarm: AlarmNotice }
  | { error: string };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function unwrap(body: string): Unwrapped {
  let value: unknown = parseJson(body);
  if (value === undefined) return { error: 'body is not JSON' };
  // An SNS notification carries its payload as a JSON string.
  if (isObj(value) && value.Type === 'Notification' && typeof value.Message === 'string') {
    value = parseJson(value.Message);
    if (value === undefined) return { error: 'SNS Message is not JSON' };
  }
  if (!isObj(value)) return { error: 'payload is not a JSON object' };
  if (value.type === 'flush' && typeof value.canaryId === 'string' && typeof value.seq === 'number') {
    return { flush: { type: 'flush', canaryId: value.canaryId, seq: value.seq } };
  }
  if (value.type === 'sweep') return { sweep: true };
  if (typeof value.AlarmName === 'string' && typeof value.NewStateValue === 'string') {
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    return {
      alarm: {
        name: value.AlarmName,
        state: value.NewStateValue,
        ...(text(value.OldStateValue) ? { previous: text(value.OldStateValue) } : {}),
        reason: text(value.NewStateReason),
        description: text(value.AlarmDescription),
        region: text(value.AlarmArn).split(':')[3] || text(value.Region),
        at: text(value.StateChangeTime),
      },
    };
  }
  if (isObj(value.requestContext) && typeof value.requestContext.condition === 'string' && 'requestPayload' in value) {
    const response = isObj(value.responsePayload) ? value.responsePayload : {};
    const reason = [value.requestContext.condition, response.errorType, response.errorMessage]
      .filter((x) => typeof x === 'string' && x)
      .join(': ');
    return { jobFailure: { payload: value.requestPayload, reason } };
  }
  if (typeof value['detail-type'] === 'string' && 'detail' in value) {
    return isObj(value.detail) ? { records: [value.detail] } : { error: 'EventBridge event without a detail object' };
  }
  if (Array.isArray(value.Records)) return { records: value.Records };
  if ('eventID' in value || 'eventName' in value) return { records: [value] };
  return { error: 'no CloudTrail record in the payload' };
}
