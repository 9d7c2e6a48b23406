import type { Core, WithIam } from '../deps';
import type { CanaryRecord } from '../model/canary';
import type { MintRequest as JobMintRequest } from '../model/job';
import type { TrailEvent } from '../model/trail-event';

/**
 * One kind of canary (an AWS access key; later an S3 object, an ECR image). Everything that
 * differs between kinds lives behind this interface, so a new kind is one file plus its tests.
 */
export type KindContext = Core & WithIam;

/** A mint as a kind performs it (the kind is already chosen); declared once, in model/job.ts. */
export type MintRequest = Omit<JobMintRequest, 'kind'>;

/** Shown once, to the requester only, and then forgotten. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Minted {
  record: CanaryRecord;
  credentials?: Credentials;
}

export interface AuditFinding {
  problem: string;
  fix: string;
}

export interface CanaryKind {
  name: string;
  label: string;
  /** One line for /canary help and the modal. */
  summary: string;
  /** True when the caller of an alerting call is the canary itself (a credential), so the alert need not show a separate caller. */
  callerIsCanary?: boolean;
  mint(ctx: KindContext, req: MintRequest): Promise<Minted>;
  /** Label/value pairs that identify the canary's resources, for lists and alerts. */
  describe(rec: CanaryRecord): Array<[string, string]>;
  /** Aliases (see CanaryRecord.aliases) this event names, most specific first. */
  aliasesFromEvent(event: Pick<TrailEvent, 'userIdentity' | 'eventSource' | 'eventName' | 'bucket' | 'objectKey' | 'repository'>): string[];
  /**
   * Stops the canary's credential from working (the Disable key button), if the kind has one.
   * Says whether it did, found it already off (someone disabled it by hand), or found it gone.
   */
  disable?(ctx: KindContext, rec: CanaryRecord): Promise<'disabled' | 'already-inactive' | 'gone'>;
  /**
   * A new credential for the same placement: created, handed to `deliver` (which shows it to
   * the requester once), and only then the old one deleted; if delivery fails the new one is
   * deleted instead. Returns the record's new resource fields, or undefined when not delivered.
   */
  rotate?(
    ctx: KindContext,
    rec: CanaryRecord,
    deliver: (creds: Credentials, resource: Record<string, string>) => Promise<boolean>,
  ): Promise<Record<string, string> | undefined>;
  /** Removes the canary's cloud resources; safe to call again. */
  retire(ctx: KindContext, rec: CanaryRecord): Promise<void>;
  /** What is wrong with the canary's cloud resources; empty when intact. */
  audit(ctx: KindContext, rec: CanaryRecord): Promise<AuditFinding[]>;
  /**
   * The same for many canaries of one account at once, where the cloud offers bulk reads: each
   * canary's findings, or the error that kept it from being checked. `pace` is awaited before
   * every call with what it is about to spend (bot/checks/pace.ts).
   */
  auditMany?(ctx: KindContext, recs: CanaryRecord[], pace?: (calls: number) => Promise<void>): Promise<Map<string, AuditFinding[] | Error>>;
}

/** The record fields every kind fills the same way from the request; a kind adds its own. */
export function newRecord(kind: string, req: MintRequest, own: Pick<CanaryRecord, 'aliases' | 'resource'>): CanaryRecord {
  return {
    id: req.id,
    kind,
    location: req.location,
    owner: req.owner,
    ...(req.note ? { note: req.note } : {}),
    ...(req.autoDisable !== undefined ? { autoDisable: req.autoDisable } : {}),
    ...(req.expiresOn ? { expiresOn: req.expiresOn } : {}),
    createdAt: new Date().toISOString(),
    createdBy: req.requestedBy,
    status: 'active',
    ...(req.account ? { account: req.account } : {}),
    ...own,
  };
}
