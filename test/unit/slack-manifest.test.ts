import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** Importing manifest.yml must give the app exactly what the code relies on. */
describe('manifest.yml configures the Slack app the code expects', () => {
  const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
    features: { slash_commands: Array<{ command: string; should_escape: boolean; url: string }> };
    oauth_config: { scopes: { bot: string[] } };
    settings: { interactivity: { is_enabled: boolean; request_url: string } };
  };
  const code = [
    'bot/slack-app.ts',
    'bot/admins.ts',
    'bot/listeners/canary-command.ts',
    'bot/alerts/reconcile.ts',
    'scripts/smoke/alerts.ts',
  ]
    .map((f) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'))
    .join('\n');

  it('declares /canary with escaping on, which the parser relies on', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    expect(manifest.features.slash_commands[0]).toMatchObject({ command: '/canary', should_escape: true });
    expect(code).toContain("app.command('/canary'");
  });

  it('turns on interactivity (the mint form) at the same endpoint as the command', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBe(manifest.features.slash_commands[0]!.url);
  });

  it('asks for the scopes of the Web API methods the bot calls, and no more', () => {
    const needs: Record<string, string[]> = {
      'usergroups.users.list': ['usergroups:read'],
      'chat.postMessage': ['chat:write'],
      'conversations.open': ['im:write'],
      // npm run smoke: a public alert channel needs the first, a private one the second.
      'conversations.history': ['channels:history', 'groups:history'],
    };
    for (const [method, scopes] of Object.entries(needs)) {
      if (code.includes(method)) expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(scopes));
    }
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'channels:history',
      'chat:write',
      'commands',
      'groups:history',
      'im:write',
      'usergroups:read',
    ]);
  });
});
