import { describe, expect, it } from 'vitest';
import { loadConfig, requireSlackIdentity } from '../../bot/config';
import { ConfigError } from '../../bot/errors';

const valid = {
  SLACK_SIGNING_SECRET: 'abcdef0123456789',
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_TEAM_ID: 'T0123ABC',
  SLACK_APP_ID: 'A0123ABC',
  ALERT_CHANNEL_ID: 'C0123ABC',
  CANARY_TABLE: 'canary-bot',
  ADMIN_USER_IDS: 'U012AB, W034CD',
};

const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration is read and checked once, failing with one line that names the variable', () => {
  it('reads a valid environment, with sane defaults', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({
      userPath: '/svc/',
      region: 'us-east-1',
      adminUserIds: ['U012AB', 'W034CD'],
      jobsFunctionName: undefined,
      slackApiUrl: undefined,
    });
  });

  it.each(['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'ALERT_CHANNEL_ID', 'CANARY_TABLE'])('names %s when it is missing', (name) => {
    const env: Record<string, string> = { ...valid };
    delete env[name];
    expect(failure(env)).toBe(`Configuration error: ${name} is required but not set`);
  });

  it('treats an empty value as missing', () => {
    expect(failure({ ...valid, CANARY_TABLE: '  ' })).toBe('Configuration error: CANARY_TABLE is required but not set');
  });

  it.each([
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /SLACK_BOT_TOKEN must be a bot token/],
    ['ALERT_CHANNEL_ID', '#security', /ALERT_CHANNEL_ID must be a Slack id/],
    ['CANARY_USER_PATH', '/', /CANARY_USER_PATH must be a dedicated path/],
    ['CANARY_USER_PATH', 'svc', /CANARY_USER_PATH must look like \/svc\//],
    ['ADMIN_USER_IDS', 'alice,bob', /ADMIN_USER_IDS must be a Slack id/],
    ['ADMIN_USERGROUP_ID', 'U123', /ADMIN_USERGROUP_ID must be a Slack id starting with S/],
    ['SLACK_API_URL', 'not a url', /SLACK_API_URL/],
    ['AWS_REGION', 'mars', /AWS_REGION must be an AWS region/],
  ])('refuses a malformed %s', (name, value, message) => {
    const line = failure({ ...valid, [name]: value });
    expect(line).toMatch(message);
    expect(line.split('\n')).toHaveLength(1);
  });

  it('never echoes a value: several variables are secrets', () => {
    expect(failure({ ...valid, SLACK_BOT_TOKEN: 'xoxp-very-secret-value' })).not.toContain('very-secret');
  });

  it('insists on at least one way to know who the admins are', () => {
    const { ADMIN_USER_IDS: _, ...noAdmins } = valid;
    expect(failure(noAdmins)).toMatch(/ADMIN_USER_IDS or ADMIN_USERGROUP_ID must be set/);
    expect(loadConfig({ ...noAdmins, ADMIN_USERGROUP_ID: 'S0SEC' }).adminUsergroupId).toBe('S0SEC');
  });

  it('lets the alert and audit handlers start without the workspace and app ids, which the slack and jobs handlers require', () => {
    const { SLACK_TEAM_ID: _t, SLACK_APP_ID: _a, ...older } = valid;
    const config = loadConfig(older);
    expect(() => requireSlackIdentity(config)).toThrow(
      /^Configuration error: SLACK_TEAM_ID is required but not set \(in AWS: add "teamId" and "appId" to the Slack secret\)$/,
    );
    expect(() => requireSlackIdentity(loadConfig({ ...older, SLACK_TEAM_ID: 'T0123ABC' }))).toThrow(/SLACK_APP_ID is required/);
    expect(requireSlackIdentity(loadConfig(valid))).toEqual({ teamId: 'T0123ABC', appId: 'A0123ABC' });
    expect(() => loadConfig({ ...valid, SLACK_TEAM_ID: 'workspace' })).toThrow(ConfigError);
  });

  it('adds the trailing slash the Web API client needs to SLACK_API_URL', () => {
    expect(loadConfig({ ...valid, SLACK_API_URL: 'http://127.0.0.1:9999/api' }).slackApiUrl).toBe('http://127.0.0.1:9999/api/');
  });
});
