import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Credentials } from '../../bot/kinds/kind';
import type { CanaryRecord } from '../../bot/model/canary';
import { errorName } from '../../bot/errors';

/**
 * The attacker's half: each canary used the way someone who found it would. A key calls
 * sts:GetCallerIdentity with its own credentials (what attackers run first, and what IAM cannot
 * deny); a decoy object is read and a decoy image pulled with the operator's own credentials,
 * since whoever finds a decoy need not hold a canary key.
 */
export interface Use {
  /** When the call was made (ms): the alert's delay is counted from here. */
  at: number;
  call: string;
  /** What AWS answered, in a few words. */
  answer: string;
}

export interface Attacker {
  use(canary: CanaryRecord, credentials: Credentials | undefined): Promise<Use>;
}

/** The call never reached CloudTrail, so no alert can follow: `fix` says why. */
export class UseError extends Error {
  override name = 'UseError';
}

/**
 * The user agent of the sandbox's recorded call: an ordinary CLI's. Against AWS the SDK's own is
 * sent: CloudTrail keeps the user agent for 90 days, readable by anyone with LookupEvents, and a
 * product name there would tie the canary path and the decoys' names to this bot. The record's
 * marker (created by smoke) is what tells a smoke canary apart.
 */
export const SMOKE_USER_AGENT = 'aws-cli/2.22.35 Python/3.12.6 Linux/6.8.0 exe/x86_64';

/**
 * CloudTrail does not log a request that fails authentication. A key minted a moment ago is
 * refused this way until IAM has propagated it (seconds, rarely a minute), so those are retried.
 */
const UNAUTHENTICATED = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'AuthFailure']);
const NEW_KEY_WAIT_MS = 60_000;

export function awsAttacker(region: string, signal: AbortSignal): Attacker {
  const common = { region, maxAttempts: 1 };
  // The emulator needs path-style S3 addresses; AWS takes either.
  const pathStyle = !!(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
  return {
    async use(canary, credentials) {
      if (canary.kind === 'aws-key') {
        if (!credentials) throw new UseError('the mint returned no key');
        const sts = new STSClient({ ...common, credentials });
        const end = Date.now() + NEW_KEY_WAIT_MS;
        try {
          for (;;) {
            const at = Date.now();
            try {
              const out = await sts.send(new GetCallerIdentityCommand({}));
              return { at, call: 'sts:GetCallerIdentity', answer: `OK, ${out.Arn}` };
            } catch (err) {
              if (!UNAUTHENTICATED.has(errorName(err)) || Date.now() > end || signal.aborted)
                throw new UseError(`sts:GetCallerIdentity with the new key was refused (${errorName(err)}), so CloudTrail logged nothing`);
              await new Promise((r) => setTimeout(r, 2000));
            }
          }
        } finally {
          sts.destroy();
        }
      }
      if (canary.kind === 's3-object') {
        const s3 = new S3Client({ ...common, forcePathStyle: pathStyle });
        return made('s3:GetObject', () =>
          s3
            .send(new GetObjectCommand({ Bucket: canary.resource.bucket, Key: canary.resource.key }))
            .then(async (out) => `OK, ${(await out.Body?.transformToByteArray())?.length ?? 0} bytes`)
            .finally(() => s3.destroy()),
        );
      }
      if (canary.kind === 'ecr-image') {
        const ecr = new ECRClient(common);
        return made('ecr:BatchGetImage', () =>
          ecr
            .send(new BatchGetImageCommand({ repositoryName: canary.resource.repository, imageIds: [{ imageTag: canary.resource.tag }] }))
            .then((out) => `OK, ${out.images?.length ?? 0} image(s)`)
            .finally(() => ecr.destroy()),
        );
      }
      throw new UseError(`the smoke does not know how to use a ${canary.kind}`);
    },
  };
}

/**
 * A refusal by the service (AccessDenied, say) is still a call CloudTrail logs, and still an
 * alert: only a request that never authenticated leaves nothing.
 */
async function made(call: string, send: () => Promise<string>): Promise<Use> {
  const at = Date.now();
  try {
    return { at, call, answer: await send() };
  } catch (err) {
    if (UNAUTHENTICATED.has(errorName(err)) || !(err instanceof Error && '$metadata' in err))
      throw new UseError(`${call} failed before reaching AWS or was not authenticated (${errorName(err)}): check your own AWS credentials`);
    return { at, call, answer: `refused, ${errorName(err)} (still logged by CloudTrail)` };
  }
}
