import { ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowSeconds, sign, signed, slashCommandBody } from '../../local/slack-requests';
import { ADMIN, SIGNING_SECRET, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

describe('every request from Slack is signature-checked', () => {
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
    const noTs = await h.send({ body, contentType: form, headers: { 'content-type': form, 'x-slack-signature': sign(SIGNING_SECRET, body, ts) } });
    expect(noTs.statusCode).toBe(401);
    await nothingMinted();
  });

  it('answers 400, not 500, to a malformed JSON body', async () => {
    const res = await h.send(signed(SIGNING_SECRET, '{"type": ', 'application/json'));
    expect(res.statusCode).toBe(400);
    await nothingMinted();
  });

  it('accepts a correctly signed request whether Lambda base64-encoded the body or not', async () => {
    const plain = await h.send(signed(SIGNING_SECRET, slashCommandBody({ text: 'help', userId: ADMIN, responseUrl: h.standin.newResponseUrl() }), form), { base64: false });
    expect(plain.statusCode).toBe(200);
    const encoded = await h.send(signed(SIGNING_SECRET, slashCommandBody({ text: 'help', userId: ADMIN, responseUrl: h.standin.newResponseUrl() }), form), { base64: true });
    expect(encoded.statusCode).toBe(200);
    expect(JSON.parse(String(encoded.body)).text).toBe('How to use /canary');
  });

  it('logs refused signatures without the request body', () => {
    expect(h.logs()).toContain('bad or stale Slack signature');
    expect(h.logs()).not.toContain('response_url');
  });
});
