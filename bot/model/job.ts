import * as z from 'zod/mini';

/**
 * Work too slow for Slack's 3 s (IAM calls) runs in the `jobs` handler. A listener validates,
 * hands over one of these payloads and acks. Payloads carry a response_url (a capability) but
 * never a secret: secrets are created inside the job and leave only in the reply to Slack.
 */
/**
 * What an admin asks for when minting, declared once: the slash command and the modal build it,
 * the job carries it, the kinds mint from it.
 */
export const mintOptions = z.object({
  /** A name the admin typed (for aws-key, the IAM user name; for s3-object, the object key); otherwise one is generated. */
  name: z.optional(z.string()),
  note: z.optional(z.string()),
  /** Overrides AUTO_DISABLE for this canary. */
  autoDisable: z.optional(z.boolean()),
  /** YYYY-MM-DD after which the audit retires it. */
  expiresOn: z.optional(z.string()),
  /**
   * aws-key: how a call with the key is refused. `deny-all` (the default): an inline Deny * and the
   * AWSDenyAll boundary, which AWS's AccessDenied messages name. `quiet`: no policy and no boundary,
   * refused like any unprivileged user; the guard (bot/guard.ts) undoes any grant within seconds.
   */
  profile: z.optional(z.enum(['deny-all', 'quiet'])),
  /** Keep a copy of the key in Secrets Manager for `/canary test` (said plainly at mint). */
  selfTest: z.optional(z.boolean()),
  /**
   * Organization mode, aws-key only: the account to mint in, by id or name as the admin gave it;
   * the mint job resolves it against Organizations' list and carries the id from then on.
   */
  account: z.optional(z.string()),
  /** s3-object: an existing bucket to put the decoy in; otherwise the bot creates one. */
  bucket: z.optional(z.string()),
  /** Trusted sources whose reads are counted but never alert (the allowlist). */
  allowIps: z.optional(z.array(z.string())),
  allowPrincipals: z.optional(z.array(z.string())),
});
export type MintOptions = z.infer<typeof mintOptions>;

/** A mint as the job runs it: the options, the placement and who asked, with the id chosen. */
export const mintRequest = z.object({
  ...mintOptions.shape,
  id: z.string(),
  kind: z.string(),
  location: z.string(),
  /** Slack user id of the person responsible for where the canary lives. */
  owner: z.string(),
  requestedBy: z.string(),
});
export type MintRequest = z.infer<typeof mintRequest>;

const mintJob = z.object({ type: z.literal('mint'), jobId: z.uuid(), responseUrl: z.url(), request: mintRequest });

const incidentRef = { jobId: z.uuid(), canaryId: z.string(), seq: z.number() };
const disableJob = z.object({ type: z.literal('disable'), ...incidentRef, by: z.string() });
const rearmJob = z.object({ type: z.literal('rearm'), ...incidentRef, by: z.string(), responseUrl: z.url() });
const retireJob = z.object({ type: z.literal('retire'), ...incidentRef, by: z.string(), responseUrl: z.url() });
const rotateJob = z.object({ type: z.literal('rotate'), ...incidentRef, by: z.string(), responseUrl: z.url() });
const selfTestJob = z.object({ type: z.literal('self-test'), jobId: z.uuid(), canaryId: z.string(), by: z.string(), responseUrl: z.url() });
const auditJob = z.object({ type: z.literal('audit'), jobId: z.uuid(), responseUrl: z.url() });
const redriveJob = z.object({ type: z.literal('redrive'), jobId: z.uuid(), by: z.string(), responseUrl: z.url() });
/** A decision already stored (a false positive): tell the thread and re-render the parent. */
const announceJob = z.object({ type: z.literal('announce'), ...incidentRef, line: z.string() });

export const jobSchema = z.discriminatedUnion('type', [
  mintJob,
  disableJob,
  rearmJob,
  announceJob,
  retireJob,
  rotateJob,
  auditJob,
  selfTestJob,
  redriveJob,
]);
export type Job = z.infer<typeof jobSchema>;
export type MintJob = z.infer<typeof mintJob>;
