import type { webApi } from '@slack/bolt';
import type { Config } from './config';
import { log } from './log';

/** How long usergroup membership is trusted before asking Slack again. */
const GROUP_CACHE_MS = 60_000;

/**
 * The client is the app-wide one, which has no token of its own (see slack-app.ts), so the
 * token is passed per call.
 *
 * Who may mint and triage: ADMIN_USER_IDS, or members of ADMIN_USERGROUP_ID. Fails closed: if
 * Slack cannot tell us the group's members, nobody outside ADMIN_USER_IDS is an admin.
 */
export function createAdminCheck(config: Config, client: webApi.WebClient): (userId: string) => Promise<boolean> {
  let cached: { members: Set<string>; at: number } | undefined;
  return async (userId) => {
    if (config.adminUserIds.includes(userId)) return true;
    if (!config.adminUsergroupId) return false;
    if (!cached || Date.now() - cached.at > GROUP_CACHE_MS) {
      try {
        const res = await client.usergroups.users.list({ token: config.botToken, usergroup: config.adminUsergroupId });
        cached = { members: new Set(res.users ?? []), at: Date.now() };
      } catch (err) {
        log.error('could not read the admin usergroup; treating as not admin', { error: err instanceof Error ? err.message : String(err) });
        return false;
      }
    }
    return cached.members.has(userId);
  };
}
