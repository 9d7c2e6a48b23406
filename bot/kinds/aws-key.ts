import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  paginateListRoles,
  paginateListUsers,
  EntityAlreadyExistsException,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import type { IAMClient, UserDetail } from '@aws-sdk/client-iam';
import { partitionOf } from '../accounts';
import { log } from '../log';
import { generateInStyle, learnStyle } from '../name-style';
import { checkUserName } from '../names';
import { newRecord } from './kind';
import type { AuditFinding, CanaryKind, Credentials, KindContext, MintRequest, Minted } from './kind';
import { AlreadyExistsError, MintError, errorName as awsErrorName } from '../errors';
import type { CanaryRecord } from '../model/canary';

/** Inline policy on every canary user: whatever else gets attached, nothing is allowed. */
export const DENY_ALL_POLICY_NAME = 'baseline';
export const DENY_ALL_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
});
/** AWS managed; as permissions boundary it caps the user at nothing even if a policy is attached. */
export const DENY_ALL_BOUNDARY = 'arn:aws:iam::aws:policy/AWSDenyAll';
/** Tag the bot uses to find its own users; deliberately dull. */
export const REGISTRY_TAG = 'registry-id';

const GENERATED_NAME_ATTEMPTS = 5;

/** Entries per page of IAM's list calls: the most IAM returns (MaxItems 1 to 1000; 100 when unset). */
const LIST_PAGE = 1000;
/**
 * Pages read of each list: IAM holds at most 5,000 users and 5,000 roles in an account (its
 * quotas), 5 pages each; the rest guards a mint against a marker that never ends.
 */
const MAX_PAGES = 10;
/** Below this many users, the roles' names are read too (an account run mostly by roles). */
const FEW_USERS = 20;

/** Every entry of a paginated IAM list, MAX_PAGES at most. */
async function listAll<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  let read = 0;
  for await (const page of pages) {
    all.push(...(items(page) ?? []));
    if (++read === MAX_PAGES) break;
  }
  return all;
}

/**
 * Roles that say nothing about how the account names things, or would give the canary away: AWS's
 * own, CDK's bootstrap roles (`cdk-<qualifier>-...`, the same in every account), and names
 * CloudFormation generated (`<stack>-<logical id>-<RANDOM>`, which would tie the canary to a stack).
 */
const isOwnRole = (r: { RoleName?: string; Path?: string }) =>
  !!r.RoleName &&
  !/^\/(aws-service-role|aws-reserved|service-role)\//.test(r.Path ?? '/') &&
  !/^(AWS|cdk-)/i.test(r.RoleName) &&
  checkUserName(r.RoleName).ok;

/**
 * The names already in the account, read once per mint: every user (the collision check: a
 * generated name is drawn outside them, in lower case, as IAM compares names) and, when users are
 * few, every role (learned from, so never copied either). The canaries' users count as taken but
 * are not learned from, so the style stays the account's.
 *
 * Cost per mint in IAM calls: ListUsers, one page per 1,000 users (1 to 5 at IAM's quota of 5,000
 * users); when there are fewer than FEW_USERS users (one page), ListRoles, one page per 1,000 roles
 * (1 to 5 at the roles' quota of 5,000). So at most 6 list calls, and at 5,000 users 5. IAM's
 * list calls are cheap reads; a mint is a person's command, not a hot path.
 *
 * When IAM will not list users, nothing is learned (the name comes from the fixed lists, and
 * CreateUser's EntityAlreadyExists is the collision check); when it will not list roles, the users
 * alone are.
 */
export async function accountNames(iam: IAMClient, canaryPath: string): Promise<{ learn: string[]; taken: Set<string> }> {
  let all;
  try {
    all = await listAll(paginateListUsers({ client: iam, pageSize: LIST_PAGE }, {}), (p) => p.Users);
  } catch (err) {
    log.warn('could not list the account users; naming from the fixed lists', { error: awsErrorName(err) });
    return { learn: [], taken: new Set() };
  }
  const users = all.filter((u) => !u.Path?.startsWith(canaryPath)).map((u) => u.UserName!);
  let roles: { RoleName?: string; Path?: string }[] = [];
  if (users.length < FEW_USERS) {
    roles = await listAll(paginateListRoles({ client: iam, pageSize: LIST_PAGE }, {}), (p) => p.Roles).catch(
      (err: unknown) => (log.warn('could not list the account roles; learning from the users alone', { error: awsErrorName(err) }), []),
    );
  }
  const learn = [...users, ...roles.filter(isOwnRole).map((r) => r.RoleName!)];
  const taken = [...all.map((u) => u.UserName), ...roles.map((r) => r.RoleName)].filter((n): n is string => !!n);
  return { learn, taken: new Set(taken.map((n) => n.toLowerCase())) };
}

async function createUser(
  iam: IAMClient,
  path: string,
  id: string,
  typed: string | undefined,
  profile: 'deny-all' | 'quiet',
): Promise<{ userName: string; arn: string }> {
  const names = typed ? undefined : await accountNames(iam, path);
  const style = names && learnStyle(names.learn);
  for (let attempt = 1; ; attempt++) {
    const userName = typed ?? generateInStyle(style, names!.taken);
    try {
      const out = await iam.send(
        new CreateUserCommand({
          UserName: userName,
          Path: path,
          // A quiet canary has no boundary: AWS's AccessDenied would name it.
          ...(profile === 'deny-all' ? { PermissionsBoundary: DENY_ALL_BOUNDARY } : {}),
          Tags: [{ Key: REGISTRY_TAG, Value: id }],
        }),
      );
      return { userName, arn: out.User?.Arn ?? '' };
    } catch (err) {
      // A generated name can still collide: a user made since the names were read (another mint,
      // a person), or names IAM would not list. Draw another outside it. A typed one cannot be
      // changed behind the admin's back.
      if (err instanceof EntityAlreadyExistsException && !typed && attempt < GENERATED_NAME_ATTEMPTS) {
        log.info('the generated IAM user name was taken since the names were read; drawing another', { attempt });
        names!.taken.add(userName.toLowerCase());
        continue;
      }
      if (err instanceof EntityAlreadyExistsException)
        throw new MintError('create IAM user', `an IAM user named ${userName} already exists`);
      throw new MintError('create IAM user', awsErrorName(err));
    }
  }
}

const ignoreMissing = (err: unknown) => {
  if (!(err instanceof NoSuchEntityException)) throw err;
};

/**
 * Whether an error on a canary's user means the user is gone. IAM answers NoSuchEntity only to a
 * caller allowed on the user's ARN, and it names a user it cannot find without its path, so the
 * bot's roles (scoped to the canary path) are refused with AccessDenied on a user someone deleted.
 * ListUsers under the path (the jobs and audit roles may call it) tells that apart from a real refusal. The
 * cost (a page per 1,000 canaries) is paid only on this error path.
 */
async function userGone(iam: IAMClient, path: string, userName: string, err: unknown): Promise<boolean> {
  if (err instanceof NoSuchEntityException) return true;
  if (awsErrorName(err) !== 'AccessDenied') return false;
  const wanted = userName.toLowerCase();
  try {
    for await (const page of paginateListUsers({ client: iam, pageSize: 1000 }, { PathPrefix: path }))
      if (page.Users?.some((u) => u.UserName?.toLowerCase() === wanted)) return false;
  } catch {
    // A role without iam:ListUsers (the alert function's) cannot tell: the first refusal stands.
    return false;
  }
  return true;
}

/**
 * The user a record names, if the bot made it: under the canary path and carrying the registry tag
 * with this canary's id. Undefined when it no longer exists. Anything else is refused: the bot
 * must never be steered (by a tampered record, or a real user that happens to live under the
 * path) into changing a user it did not make. The roles hold the same line (aws:ResourceTag).
 */
async function ownedUser(iam: IAMClient, path: string, userName: string, canaryId: string): Promise<{ userName: string } | undefined> {
  let user;
  try {
    user = (await iam.send(new GetUserCommand({ UserName: userName }))).User;
  } catch (err) {
    if (!(await userGone(iam, path, userName, err))) throw err;
    return undefined;
  }
  if (user?.Path !== path) throw new Error(`refusing to touch ${userName}: it is not under ${path}`);
  if (!user.Tags?.some((t) => t.Key === REGISTRY_TAG && t.Value === canaryId))
    throw new Error(`refusing to touch ${userName}: the bot did not make it (no ${REGISTRY_TAG} tag for ${canaryId})`);
  return { userName };
}

/**
 * Deletes a canary user and everything IAM requires gone first. Tolerates pieces already missing,
 * so it serves both rollback of a half-minted canary and retirement. Refuses users the bot did not
 * make (ownedUser).
 */
export async function removeUser(iam: IAMClient, path: string, userName: string, canaryId: string): Promise<void> {
  if (!(await ownedUser(iam, path, userName, canaryId))) return;
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  for (const k of keys.AccessKeyMetadata ?? []) {
    await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: k.AccessKeyId })).catch(ignoreMissing);
  }
  const policies = await iam.send(new ListUserPoliciesCommand({ UserName: userName }));
  for (const name of policies.PolicyNames ?? []) {
    await iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: name })).catch(ignoreMissing);
  }
  await iam.send(new DeleteUserCommand({ UserName: userName })).catch(ignoreMissing);
}

async function mint({ aws, config, store }: KindContext, req: MintRequest): Promise<Minted> {
  if (req.name) {
    const check = checkUserName(req.name);
    if (!check.ok) throw new MintError('check the name', `${req.name}: ${check.reason}`);
  }
  let userName: string | undefined;
  let recordWritten = false;
  let aliases: string[] = [];
  try {
    const profile = req.profile ?? config.defaultProfile;
    const user = await createUser(aws.iam, config.userPath, req.id, req.name, profile);
    userName = user.userName;
    if (profile === 'deny-all')
      await aws.iam
        .send(new PutUserPolicyCommand({ UserName: userName, PolicyName: DENY_ALL_POLICY_NAME, PolicyDocument: DENY_ALL_POLICY }))
        .catch((err: unknown) => {
          throw new MintError('attach the deny-all policy', awsErrorName(err));
        });
    const key = await aws.iam.send(new CreateAccessKeyCommand({ UserName: userName })).catch((err: unknown) => {
      throw new MintError('create the access key', awsErrorName(err));
    });
    const accessKeyId = key.AccessKey?.AccessKeyId;
    const secretAccessKey = key.AccessKey?.SecretAccessKey;
    if (!accessKeyId || !secretAccessKey) throw new MintError('create the access key', 'IAM returned no key');
    const record = newRecord(awsKey.name, req, {
      aliases: [accessKeyId, user.arn],
      resource: { userName, userArn: user.arn, accessKeyId, profile },
    });
    aliases = record.aliases;
    recordWritten = true; // a timed-out write may still have landed, so undo it either way
    await store.putNewCanary(record).catch((err: unknown) => {
      if (err instanceof AlreadyExistsError) recordWritten = false; // nothing of ours was written
      throw new MintError('record the canary', awsErrorName(err));
    });
    return { record, credentials: { accessKeyId, secretAccessKey } };
  } catch (err) {
    const failure = err instanceof MintError ? err : new MintError('mint', awsErrorName(err));
    const leftovers: string[] = [];
    if (userName) {
      await removeUser(aws.iam, config.userPath, userName, req.id).catch((e: unknown) => {
        leftovers.push(`IAM user ${config.userPath}${userName} (${awsErrorName(e)})`);
      });
    }
    if (recordWritten) {
      await store.deleteCanary(req.id, aliases).catch((e: unknown) => {
        leftovers.push(`record ${req.id} (${awsErrorName(e)})`);
      });
    }
    const leftover = leftovers.length ? leftovers.join(', ') : undefined;
    log.error('mint failed', { canaryId: req.id, step: failure.step, reason: failure.reason, leftover });
    throw new MintError(failure.step, failure.reason, leftover);
  }
}

/** Canaries minted before profiles existed are deny-all. */
export const profileOf = (rec: Pick<CanaryRecord, 'resource'>): 'deny-all' | 'quiet' =>
  rec.resource.profile === 'quiet' ? 'quiet' : 'deny-all';

function profileLine(rec: CanaryRecord): string {
  if (profileOf(rec) === 'deny-all') return 'deny-all (inline Deny * and the AWSDenyAll boundary)';
  const fired = rec.guardFiredAt
    ? `; its guard last undid a change at ${rec.guardFiredAt.slice(0, 16).replace('T', ' ')} UTC`
    : '; its guard has not fired';
  return `quiet (no policy, no boundary)${fired}`;
}

/** What the audit needs to know of a canary's user, however it was read. */
interface UserFacts {
  path?: string;
  tags: Array<{ Key?: string; Value?: string }>;
  boundary?: string;
  inline: string[];
  attached: string[];
  groups: string[];
}

/** What is wrong with a canary's user, given what IAM says of it (undefined: the user is gone). */
async function findingsFor({ aws, config }: KindContext, rec: CanaryRecord, user: UserFacts | undefined): Promise<AuditFinding[]> {
  const userName = rec.resource.userName ?? '';
  if (!user) return [{ problem: `IAM user ${userName} no longer exists`, fix: 'retire this canary and mint a new one' }];
  const findings: AuditFinding[] = [];
  if (user.path !== config.userPath)
    findings.push({ problem: `IAM user ${userName} is not under ${config.userPath}`, fix: 'retire this canary and mint a new one' });
  else if (!user.tags.some((t) => t.Key === REGISTRY_TAG && t.Value === rec.id))
    findings.push({
      problem: `IAM user ${userName} does not carry the bot's ${REGISTRY_TAG} tag for this canary, so the bot will not change it`,
      fix: 'retire this canary record and mint a new one',
    });
  const quiet = profileOf(rec) === 'quiet';
  // The boundary is what keeps a policy attached by mistake from granting anything (deny-all
  // profile); a quiet canary has none, so any boundary on it is someone's change.
  const denyAll = DENY_ALL_BOUNDARY.replace('arn:aws:', `arn:${partitionOf(config.region)}:`);
  if (!quiet && user.boundary !== denyAll)
    findings.push({
      problem: user.boundary
        ? `the permissions boundary is ${user.boundary}, not AWSDenyAll`
        : 'the AWSDenyAll permissions boundary was removed',
      fix: 'retire and re-mint',
    });
  else if (quiet && user.boundary)
    findings.push({ problem: `a quiet canary has the boundary ${user.boundary}`, fix: 'retire and re-mint' });
  const keys = (await aws.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
  const ours = keys.find((k) => k.AccessKeyId === rec.resource.accessKeyId);
  if (!ours) findings.push({ problem: `the recorded key ${rec.resource.accessKeyId} is not on the user`, fix: 'rotate the canary' });
  else if (ours.Status !== 'Active' && rec.status === 'active')
    findings.push({
      problem: 'the key is inactive, so its use is refused before CloudTrail sees much',
      fix: 're-enable the key or re-arm the canary',
    });
  if (keys.length > 1) findings.push({ problem: `the user has ${keys.length} access keys`, fix: 'delete the keys the bot did not mint' });
  if (!quiet && !user.inline.includes(DENY_ALL_POLICY_NAME))
    findings.push({ problem: 'the deny-all inline policy is missing', fix: 'retire and re-mint' });
  const extraInline = user.inline.filter((p) => quiet || p !== DENY_ALL_POLICY_NAME);
  if (extraInline.length || user.attached.length)
    findings.push({
      problem: `extra policies: ${[...extraInline, ...user.attached].join(', ')}`,
      fix: 'remove them; a canary must grant nothing',
    });
  if (user.groups.length) findings.push({ problem: `member of groups: ${user.groups.join(', ')}`, fix: 'remove the user from the groups' });
  const hasPassword = await aws.iam.send(new GetLoginProfileCommand({ UserName: userName })).then(
    () => true,
    (err: unknown) => (ignoreMissing(err), false),
  );
  if (hasPassword) findings.push({ problem: 'the user has a console password', fix: 'delete the login profile' });
  return findings;
}

async function audit(ctx: KindContext, rec: CanaryRecord): Promise<AuditFinding[]> {
  const { aws, config } = ctx;
  const userName = rec.resource.userName ?? '';
  let user;
  try {
    user = (await aws.iam.send(new GetUserCommand({ UserName: userName }))).User;
  } catch (err) {
    if (!(await userGone(aws.iam, config.userPath, userName, err))) throw err;
    return findingsFor(ctx, rec, undefined);
  }
  return findingsFor(ctx, rec, {
    path: user?.Path,
    tags: user?.Tags ?? [],
    ...(user?.PermissionsBoundary?.PermissionsBoundaryArn ? { boundary: user.PermissionsBoundary.PermissionsBoundaryArn } : {}),
    inline: (await aws.iam.send(new ListUserPoliciesCommand({ UserName: userName }))).PolicyNames ?? [],
    attached: ((await aws.iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }))).AttachedPolicies ?? []).map(
      (p) => p.PolicyName ?? '',
    ),
    groups: ((await aws.iam.send(new ListGroupsForUserCommand({ UserName: userName }))).Groups ?? []).map((g) => g.GroupName ?? ''),
  });
}

/**
 * Many canaries of one account: their users' path, tags, boundary, policies and groups from
 * GetAccountAuthorizationDetails (1,000 users a page, read until every canary's user is found),
 * then only what it leaves out, per user: the keys and the console password. Two calls a canary
 * and at most a page per 1,000 users (it stops once every canary's user is found), where one at a
 * time costs six. Nothing is kept between calls: an audit reads IAM as it is.
 */
async function auditMany(
  ctx: KindContext,
  recs: CanaryRecord[],
  pace: (calls: number) => Promise<void> = async () => undefined,
): Promise<Map<string, AuditFinding[] | Error>> {
  const wanted = new Set(recs.map((r) => (r.resource.userName ?? '').toLowerCase()));
  const users = new Map<string, UserDetail>();
  let marker: string | undefined;
  do {
    await pace(1);
    const page = await ctx.aws.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1000, Marker: marker }));
    for (const u of page.UserDetailList ?? [])
      if (u.UserName && wanted.has(u.UserName.toLowerCase())) users.set(u.UserName.toLowerCase(), u);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker && users.size < wanted.size);
  const out = new Map<string, AuditFinding[] | Error>();
  for (const rec of recs) {
    const u = users.get((rec.resource.userName ?? '').toLowerCase());
    await pace(2);
    // One canary's error (throttled, refused) is its own: the others keep their findings.
    const facts: UserFacts | undefined = u && {
      path: u.Path,
      tags: u.Tags ?? [],
      ...(u.PermissionsBoundary?.PermissionsBoundaryArn ? { boundary: u.PermissionsBoundary.PermissionsBoundaryArn } : {}),
      inline: (u.UserPolicyList ?? []).map((p) => p.PolicyName ?? ''),
      attached: (u.AttachedManagedPolicies ?? []).map((p) => p.PolicyName ?? ''),
      groups: u.GroupList ?? [],
    };
    out.set(rec.id, await findingsFor(ctx, rec, facts).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
  }
  return out;
}

async function disable({ aws, config }: KindContext, rec: CanaryRecord): Promise<'disabled' | 'already-inactive' | 'gone'> {
  const userName = rec.resource.userName ?? '';
  const keyId = rec.resource.accessKeyId ?? '';
  try {
    if (!(await ownedUser(aws.iam, config.userPath, userName, rec.id))) return 'gone';
    const key = (await aws.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata?.find(
      (k) => k.AccessKeyId === keyId,
    );
    if (!key) return 'gone';
    if (key.Status === 'Inactive') return 'already-inactive';
    await aws.iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: keyId, Status: 'Inactive' }));
    return 'disabled';
  } catch (err) {
    if (await userGone(aws.iam, config.userPath, userName, err)) return 'gone';
    throw err;
  }
}

async function rotate(
  { aws, config }: KindContext,
  rec: CanaryRecord,
  deliver: (creds: Credentials, resource: Record<string, string>) => Promise<boolean>,
): Promise<Record<string, string> | undefined> {
  const userName = rec.resource.userName ?? '';
  if (!(await ownedUser(aws.iam, config.userPath, userName, rec.id)))
    throw new Error(`IAM user ${userName} no longer exists (NoSuchEntity)`);
  const key = (await aws.iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
  if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('IAM returned no key');
  const resource = { ...rec.resource, accessKeyId: key.AccessKeyId };
  if (!(await deliver({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }, resource))) {
    await aws.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId })).catch(ignoreMissing);
    return undefined;
  }
  if (rec.resource.accessKeyId)
    await aws.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: rec.resource.accessKeyId })).catch(ignoreMissing);
  return resource;
}

export const awsKey: CanaryKind = {
  name: 'aws-key',
  label: 'AWS access key',
  callerIsCanary: true,
  summary: 'an IAM user with a deny-all policy and one access key, to paste where credentials live',
  mint,
  describe: (rec) => [
    ['IAM user', rec.resource.userName ?? ''],
    ['Key id', rec.resource.accessKeyId ?? ''],
    ['Profile', profileLine(rec)],
  ],
  // The key for calls signed with it; the ARN for calls made with temporary credentials the
  // canary obtained (GetSessionToken), which carry an ASIA key of their own.
  aliasesFromEvent: (event) =>
    [event.userIdentity?.accessKeyId, event.userIdentity?.arn].filter((a): a is string => typeof a === 'string' && a.length > 0),
  disable,
  rotate,
  retire: async ({ aws, config }, rec) => removeUser(aws.iam, config.userPath, rec.resource.userName ?? '', rec.id),
  audit,
  auditMany,
};
