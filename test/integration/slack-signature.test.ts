import { ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockAction, interactionBody, nowSeconds, sign, signed, slashCommandBody } from '../../local/slack-requests';
import { ADMIN, SIGNING_SECRET, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

describe('every request from Slack is signature-checked, and only our workspace and app get in', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const mintBody = () => slashCommandBody({ text: 'new laptop-42', userId: ADMIN, responseUrl: h.standin.newResponseUrl() });
  const form = 'application/x-www-form-urlencoded';

  async function nothingMinted() {
    await h.settle();
    expect((await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? []).toEqual([]);
    expect(await h.scanTable()).toEqual([]);
    expect(h.standin.calls).toEqual([]);
  }

  it('refuses a request signed with the wrong secret with 401, and mints nothing', async () => {
    const res = await h.send(signed('not-the-signing-secret', mintBody(), form));
    expect(res.statusCode).toBe(401);
    await nothingMinted();
  });

  it('refuses a correctly signed request older than five minutes (a replay) with 401', async () => {
    const res = await h.send(signed(SIGNING_SECRET, mintBody(), form, nowSeconds() - 5 * 60 - 1));
    expect(res.statusCode).toBe(401);
    await nothingMinted();
  });

  it('refuses a body changed after signing with 401', async () => {
    const req = signed(SIGNING_SECRET, mintBody(), form);
    const res = await h.send({ ...req, body: req.body.replace('laptop-42', 'laptop-43') });
    expect(res.statusCode).toBe(401);
    await nothingMinted();
  });

  it('refuses requests with no signature headers with 401', async () => {
    const body = mintBody();
    const res = await h.send({ body, contentType: form, headers: { 'content-type': form } });
    expect(res.statusCode).toBe(401);
    const ts = nowSeconds();
    const noTs = await h.send({
      body,
      contentType: form,
      headers: { 'content-type': form, 'x-slack-signature': sign(SIGNING_SECRET, body, ts) },
    });
    expect(noTs.statusCode).toBe(401);
    await nothingMinted();
  });

  it('answers 400, not 500, to a malformed JSON body', async () => {
    const res = await h.send(signed(SIGNING_SECRET, '{"type": ', 'application/json'));
    expect(res.statusCode).toBe(400);
    await nothingMinted();
  });

  it('accepts a correctly signed request whether Lambda base64-encoded the body or not', async () => {
    const plain = await h.send(
      signed(SIGNING_SECRET, slashCommandBody({ text: 'help', userId: ADMIN, responseUrl: h.standin.newResponseUrl() }), form),
      { base64: false },
    );
    expect(plain.statusCode).toBe(200);
    const encoded = await h.send(
      signed(SIGNING_SECRET, slashCommandBody({ text: 'help', userId: ADMIN, responseUrl: h.standin.newResponseUrl() }), form),
      { base64: true },
    );
    expect(encoded.statusCode).toBe(200);
    expect(JSON.parse(String(encoded.body)).text).toBe('How to use /canary');
  });

  it('refuses a correctly signed request from an hour ahead (a request that would stay valid for ever) with 401', async () => {
    const res = await h.send(signed(SIGNING_SECRET, mintBody(), form, nowSeconds() + 3600));
    expect(res.statusCode).toBe(401);
    const justAhead = await h.send(signed(SIGNING_SECRET, mintBody(), form, nowSeconds() + 5 * 60 + 5));
    expect(justAhead.statusCode).toBe(401);
    await nothingMinted();
  });

  it('refuses a correctly signed request from another workspace or app with 403, commands and buttons alike', async () => {
    const foreignTeam = mintBody().replace('team_id=T0001', 'team_id=T0OTHER1');
    expect((await h.send(signed(SIGNING_SECRET, foreignTeam, form))).statusCode).toBe(403);
    const foreignApp = mintBody().replace('api_app_id=A0CANARY', 'api_app_id=A0OTHER1');
    expect((await h.send(signed(SIGNING_SECRET, foreignApp, form))).statusCode).toBe(403);
    const noTeam = mintBody().replace('team_id=T0001&', '');
    expect((await h.send(signed(SIGNING_SECRET, noTeam, form))).statusCode).toBe(403);
    const button = blockAction({
      userId: ADMIN,
      actionId: 'x',
      value: '{}',
      responseUrl: h.standin.newResponseUrl('actions'),
      channelId: 'C0ALERTS1',
      messageTs: '1.000001',
    }) as { team: { id: string } };
    button.team.id = 'T0OTHER1';
    expect((await h.send(signed(SIGNING_SECRET, interactionBody(button), form))).statusCode).toBe(403);
    await nothingMinted();
  });

  it('verifies and answers a base64 body of UTF-8 text sent with "; charset=utf-8", storing the text intact', async () => {
    const location = 'portátil-42 ~/.aws/credentials ☁ 東京';
    const body = slashCommandBody({ text: `new ${location}`, userId: ADMIN, responseUrl: h.standin.newResponseUrl() });
    const res = await h.send(signed(SIGNING_SECRET, body, `${form}; charset=utf-8`), { base64: true });
    expect(res.statusCode).toBe(200);
    await h.settle();
    const record = (await h.store.allCanaries())[0];
    expect(record?.location).toBe(location);
    const [user] = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    expect((await h.iam.send(new ListAccessKeysCommand({ UserName: user!.UserName! }))).AccessKeyMetadata).toHaveLength(1);
  });

  it('logs refused signatures without the request body', () => {
    expect(h.logs()).toContain('Slack request refused');
    expect(h.logs()).not.toContain('response_url');
  });
});
