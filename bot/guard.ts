import {
  DeleteLoginProfileCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetLoginProfileCommand,
  GetUserPolicyCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import type { Core, WithIam, WithSlack } from './deps';
import { DENY_ALL_POLICY, DENY_ALL_POLICY_NAME, awsKey, profileOf } from './kinds/aws-key';
import { GUARDED_EVENTS } from '../infra/detection';
import { log } from './log';
import type { CanaryRecord } from './model/canary';
import type { TrailEvent } from './model/trail-event';
import { inlineCode } from './mrkdwn';

/**
 * The guard: a canary grants nothing, and nobody may change that. IAM's events for the changes
 * that would give a user power or a way in (infra/detection.ts guardEventPattern, delivered in
 * us-east-1 and forwarded home) reach the alert function as soon as CloudTrail delivers them
 * (usually within minutes); for a canary's user, the guard puts the user back to what its profile
 * says it is and says so in the channel: it detaches and deletes policies and deletes a console
 * password; a quiet canary that had power, or one put in a group (which the bot may not change),
 * has its key disabled too.
 *
 * It compares state, not events: the bot's own writes (the deny-all policy at mint) leave the
 * state as the profile wants it, so they undo nothing and say nothing; whatever else changed is
 * undone, whoever did it. A quiet canary (no policy, no boundary) depends on this; a deny-all one
 * (whose boundary caps it at nothing anyway) gets it too. The daily audit checks the same state.
 */

export const isGuardEvent = (e: Pick<TrailEvent, 'eventSource' | 'eventName' | 'targetUser' | 'errorCode'>) =>
  e.eventSource === 'iam.amazonaws.com' && !e.errorCode && !!e.targetUser && (GUARDED_EVENTS as readonly string[]).includes(e.eventName);

/**
 * Puts the user back to its profile; returns what it undid, in words, and the groups it is in
 * (which the bot may not change: see infra/bot-policy.ts GUARD_UNDO).
 */
export async function restoreProfile({ aws }: WithIam, canary: CanaryRecord): Promise<{ undone: string[]; groups: string[] }> {
  const UserName = canary.resource.userName!;
  const undone: string[] = [];
  const attached = (await aws.iam.send(new ListAttachedUserPoliciesCommand({ UserName }))).AttachedPolicies ?? [];
  for (const p of attached) {
    await aws.iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn: p.PolicyArn }));
    undone.push(`detached ${p.PolicyArn}`);
  }
  const inline = (await aws.iam.send(new ListUserPoliciesCommand({ UserName }))).PolicyNames ?? [];
  for (const PolicyName of inline) {
    if (profileOf(canary) === 'deny-all' && PolicyName === DENY_ALL_POLICY_NAME) {
      const doc = (await aws.iam.send(new GetUserPolicyCommand({ UserName, PolicyName }))).PolicyDocument ?? '';
      if (sameDocument(doc, DENY_ALL_POLICY)) continue;
    }
    await aws.iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName }));
    undone.push(`deleted inline policy ${PolicyName}`);
  }
  const password = await aws.iam.send(new GetLoginProfileCommand({ UserName })).then(
    () => true,
    (err: unknown) => {
      if (err instanceof NoSuchEntityException) return false;
      throw err;
    },
  );
  if (password) {
    await aws.iam.send(new DeleteLoginProfileCommand({ UserName }));
    undone.push('deleted the console password');
  }
  const groups = ((await aws.iam.send(new ListGroupsForUserCommand({ UserName }))).Groups ?? []).map((g) => g.GroupName!);
  return { undone, groups };
}

/** IAM returns policy documents URL-encoded, and may reorder whitespace. */
function sameDocument(got: string, want: string): boolean {
  try {
    return JSON.stringify(JSON.parse(decodeURIComponent(got))) === JSON.stringify(JSON.parse(want));
  } catch {
    return false;
  }
}

/**
 * What must also be contained: a quiet canary that had power (undone is not contained: whoever held
 * the key meanwhile may have used it), or is in a group the bot may not change. A deny-all canary's
 * boundary caps it at nothing whatever else it is given. (Whether that boundary is still there is
 * not checked yet. The emulator now keeps users' boundaries as IAM does, GetUser included
 * (local/moto_server.py), and test/integration/mint-from-slash-command.test.ts holds the minted
 * boundary, so a check here can be tested; restoring it cannot be done: no role may call
 * iam:PutUserPermissionsBoundary, see infra/bot-policy.ts.)
 */
function breaches(canary: CanaryRecord, undone: string[], groups: string[]): string[] {
  if (profileOf(canary) !== 'quiet') return [];
  return [
    ...(undone.length ? ['it had power until the guard undid it'] : []),
    ...(groups.length ? [`the user is in ${groups.join(', ')}, which the bot may not change (remove it by hand)`] : []),
  ];
}

/**
 * A guarded change to a canary's user: restore it, contain what restoring cannot make safe (the
 * key is disabled), record it, say it. What is to be said is stored first, so a Slack failure
 * (the message is redelivered, and then finds nothing to undo) still says it on the next pass.
 */
export async function guard(deps: Core & WithIam & WithSlack, canary: CanaryRecord, event: TrailEvent): Promise<void> {
  // The guard's rules watch the home account's IAM; a member account's canaries are deny-all (bot/mint.ts).
  if (canary.kind !== 'aws-key' || canary.status === 'retired' || canary.account) return;
  let undone: string[];
  let contain: string[];
  try {
    const restored = await restoreProfile(deps, canary);
    undone = restored.undone;
    contain = breaches(canary, undone, restored.groups);
  } catch (err) {
    // The user is gone (the bot's own retire, whose DeleteUserPolicy brought us here): nothing to guard.
    if (err instanceof NoSuchEntityException) return;
    throw err;
  }
  const at = new Date().toISOString();
  if (contain.length && canary.status !== 'disabled') {
    const outcome = await awsKey.disable!(deps, canary);
    await deps.store.markDisabled(canary.id, 'guard', at);
    undone.push(`${outcome === 'disabled' ? 'disabled the key' : 'recorded the key as disabled'}: ${contain.join('; ')}`);
  }
  // What an earlier pass could not say (Slack refused) goes out with this one, not instead of it.
  let unsaid = canary.guardUnsaid;
  if (undone.length) {
    const who = event.userIdentity.arn ?? event.userIdentity.type ?? 'unknown caller';
    const text =
      `:shield: *Guard: someone changed canary ${inlineCode(canary.id)}'s permissions* (${inlineCode(canary.location, 120)}): ` +
      `${inlineCode(`iam:${event.eventName}`)} by ${inlineCode(who, 200)} from ${inlineCode(event.sourceIp, 64)}. ` +
      `Done: ${undone.map((u) => inlineCode(u, 300)).join(', ')}. A canary must grant nothing; find out who made this change and why.`;
    unsaid = unsaid ? `${unsaid}\n${text}` : text;
    await deps.store.markGuardFired(canary.id, at, unsaid);
    await deps.store.recordAction(canary.id, {
      action: 'guarded',
      by: 'guard',
      at,
      detail: `${event.eventName} by ${who}: ${undone.join('; ')}`,
    });
    log.warn('guard undid a change to a canary', { canaryId: canary.id, event: event.eventName, undone });
  }
  if (!unsaid) return;
  await deps.slack.chat.postMessage({ channel: deps.config.alertChannelId, text: unsaid, unfurl_links: false, unfurl_media: false });
  await deps.store.clearGuardUnsaid(canary.id, unsaid);
}
