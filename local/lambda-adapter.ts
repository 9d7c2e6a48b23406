import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Lambda's Invoke API (POST /2015-03-31/functions/{name}/invocations) for handlers run in this
 * process. The bot queues jobs with an async invoke (bot/jobs.ts); pointing the SDK's Lambda
 * endpoint here (AWS_ENDPOINT_URL_LAMBDA) runs handlers/jobs unchanged, through that same code
 * path. "Event" invocations answer 202 at once and run after, as Lambda's async queue does.
 *
 * The route sits behind a per-run secret path (`basePath`, in the endpoint URL the bot's SDK
 * client is given, never in the page) and takes only what the SDK sends: an
 * application/octet-stream or application/json body with a SigV4 Authorization header. A web
 * page on another site can send neither without a CORS preflight, which this server never
 * grants, so it cannot run jobs (mint, retire) here with a response URL of its choosing.
 */
export type Handler = (event: unknown, context: never) => Promise<unknown>;

const INVOKE_PATH = /^(.*)\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const SDK_CONTENT_TYPES = new Set(['application/octet-stream', 'application/json']);

/**
 * The record Lambda sends to an async invocation's on-failure destination (as the CDK app
 * configures for the jobs function, with no retries): what the alert handler reads.
 */
export function failureRecord(name: string, event: unknown, err: unknown) {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 1,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: err instanceof Error ? err.name : 'Error',
      errorMessage: err instanceof Error ? err.message : String(err),
    },
  };
}

export function lambdaAdapter(
  functions: Record<string, Handler>,
  onError: (name: string, event: unknown, err: unknown) => void,
  basePath: string,
) {
  const pending = new Set<Promise<unknown>>();
  return {
    /** Handles the request if it is an Invoke call; false otherwise. */
    route(req: IncomingMessage, res: ServerResponse, body: string): boolean {
      const m = INVOKE_PATH.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (!m) return false;
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (
        req.method !== 'POST' ||
        m[1] !== basePath ||
        !SDK_CONTENT_TYPES.has(mediaType) ||
        !req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')
      ) {
        reply(403, { Type: 'User', message: 'Forbidden' }, { 'x-amzn-errortype': 'AccessDeniedException' });
        return true;
      }
      const name = decodeURIComponent(m[2]!).split(':').pop()!;
      const fn = functions[name];
      if (!fn) {
        reply(404, { Type: 'User', message: `Function not found: ${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
        return true;
      }
      let event: unknown;
      try {
        event = JSON.parse(body || '{}');
      } catch {
        reply(
          400,
          { Type: 'User', message: 'Could not parse request body into json' },
          { 'x-amzn-errortype': 'InvalidRequestContentException' },
        );
        return true;
      }
      const run = () => fn(event, {} as never);
      if (req.headers['x-amz-invocation-type'] === 'Event') {
        const p = run()
          .catch((err: unknown) => onError(name, event, err))
          .finally(() => pending.delete(p));
        pending.add(p);
        reply(202, undefined);
      } else {
        run().then(
          (out) => reply(200, out ?? null),
          (err: unknown) => reply(200, { errorType: 'Error', errorMessage: String(err) }, { 'x-amz-function-error': 'Unhandled' }),
        );
      }
      return true;
    },
    /** Resolves when every async invocation so far (and those they queued) has finished. */
    async idle(): Promise<void> {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
