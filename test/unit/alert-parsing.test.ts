import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../../bot/alerts/envelope';
import { classifySource, countryOf } from '../../bot/alerts/source';
import { FIELD_MAX, actionOf, parseTrailEvent } from '../../bot/alerts/trail-event';
import { SAMPLES_DIR, eventBridgeEnvelope, readSample, snsNotificationBody } from '../support/cloudtrail';

const edge = (f: string) => readSample(join(SAMPLES_DIR, 'edge', f));

describe('alert messages are unwrapped whichever way the pipeline is wired', () => {
  const record = edge('001-sts-GetCallerIdentity-iamuser.json');
  it.each([
    ['SQS <- SNS notification <- EventBridge event', snsNotificationBody(eventBridgeEnvelope(record))],
    ['SQS with raw delivery: the EventBridge event', JSON.stringify(eventBridgeEnvelope(record))],
    ['a raw CloudTrail record', JSON.stringify(record)],
    ['a raw record inside an SNS notification', snsNotificationBody(record)],
    ['a CloudTrail log file', JSON.stringify({ Records: [record] })],
  ])('%s', (_name, body) => {
    const u = unwrap(body);
    expect('records' in u && (u.records[0] as { eventID: string }).eventID).toBe('e544d47e-6d75-45cf-a8a9-7e90d5f7d38d');
  });

  it.each([
    ['not JSON', 'hello', 'body is not JSON'],
    ['a JSON string', '"x"', 'payload is not a JSON object'],
    ['an SNS notification with a broken Message', JSON.stringify({ Type: 'Notification', Message: '{' }), 'SNS Message is not JSON'],
    [
      'an EventBridge event without detail',
      JSON.stringify({ 'detail-type': 'x', detail: null }),
      'EventBridge event without a detail object',
    ],
    ['something else', JSON.stringify({ hello: 1 }), 'no CloudTrail record in the payload'],
  ])('reports %s as unusable', (_name, body, error) => {
    expect(unwrap(body)).toEqual({ error });
  });

  it("recognises the bot's own flush messages", () => {
    expect(unwrap(JSON.stringify({ type: 'flush', canaryId: 'c123456', seq: 2 }))).toEqual({
      flush: { type: 'flush', canaryId: 'c123456', seq: 2 },
    });
  });
});

describe('CloudTrail records are normalised into bounded strings', () => {
  it('keeps what an alert needs from a real record', () => {
    const parsed = parseTrailEvent(edge('001-sts-GetCallerIdentity-iamuser.json'));
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        eventName: 'GetCallerIdentity',
        region: 'ap-central-2r',
        sourceIp: '253.234.5.234',
        userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAE18PGYHCY2CYMTFK' },
      },
    });
    expect(parsed.ok && parsed.event.requestParameters).toBeUndefined(); // null in the record
    expect(parsed.ok && actionOf(parsed.event)).toBe('sts:GetCallerIdentity');
  });

  it('survives a record with no userIdentity, and odd or hostile field types', () => {
    expect(parseTrailEvent(edge('056-ssm-Insight-UpdateInstanceInformation-no-useridentity.json')).ok).toBe(false); // no eventName: an Insight, not a call
    const odd = parseTrailEvent({
      eventID: 'x',
      eventName: 'A',
      eventSource: 's3.amazonaws.com',
      eventTime: '2024-01-01T00:00:00Z',
      userIdentity: 'weird',
      sourceIPAddress: 12,
      userAgent: { a: 1 },
      requestParameters: { a: 'b'.repeat(5000) },
      errorCode: null,
    });
    expect(odd).toMatchObject({ ok: true, event: { userIdentity: {}, sourceIp: '12', userAgent: '' } });
    expect(odd.ok && odd.event.requestParameters!.length).toBe(FIELD_MAX);
    expect(odd.ok && 'errorCode' in odd.event).toBe(false);
  });

  it('names the object an S3 call read, the copy source for CopyObject', () => {
    const base = { eventID: 'x', eventSource: 's3.amazonaws.com', eventTime: '2024-01-01T00:00:00Z' };
    expect(parseTrailEvent({ ...base, eventName: 'GetObject', requestParameters: { bucketName: 'b', key: 'k/v.txt' } })).toMatchObject({
      event: { bucket: 'b', objectKey: 'k/v.txt' },
    });
    expect(
      parseTrailEvent({
        ...base,
        eventName: 'CopyObject',
        requestParameters: { bucketName: 'dest', key: 'copy', 'x-amz-copy-source': 'decoys/backups%2Fpasswords.xlsx?versionId=1' },
      }),
    ).toMatchObject({ event: { bucket: 'decoys', objectKey: 'backups/passwords.xlsx' } });
    expect(parseTrailEvent({ ...base, eventName: 'CopyObject', requestParameters: { 'x-amz-copy-source': 'b/%E0%A4%A' } })).toMatchObject({
      ok: true,
      event: { bucket: 'b', objectKey: '%E0%A4%A' },
    });
  });

  it.each([
    [{}, 'record has no eventID'],
    [{ eventID: 'x' }, 'record has no eventName'],
    [{ eventID: 'x', eventName: 7, eventSource: 's', eventTime: '2024-01-01T00:00:00Z' }, 'record has no eventName'],
    [{ eventID: 'x', eventName: 'A', eventSource: 's', eventTime: 'yesterday' }, 'record has no valid eventTime'],
  ])('refuses %j', (raw, reason) => {
    expect(parseTrailEvent(raw)).toMatchObject({ ok: false, reason });
  });
});

describe('the source of a call is classified for severity', () => {
  const base = { sourceIp: '203.0.113.5', userAgent: 'aws-cli/2.15', userIdentity: {} };
  it.each([
    [base, 'unknown', 'high'],
    [{ ...base, userAgent: 'TruffleHog' }, 'scanner', 'high'],
    [{ ...base, userAgent: 'trufflehog/3.63.2 (+https://github.com/trufflesecurity/trufflehog)' }, 'scanner', 'high'],
    [{ ...base, sourceIp: 'ec2.amazonaws.com' }, 'aws-internal', 'low'],
    [{ ...base, sourceIp: 'AWS Internal' }, 'aws-internal', 'low'],
    [{ ...base, userIdentity: { invokedBy: 'cloudformation.amazonaws.com' } }, 'aws-internal', 'low'],
  ])('%j is %s', (e, cls, severity) => {
    expect(classifySource(e)).toMatchObject({ class: cls, severity });
  });

  it('finds a country offline for IPv4 and none for IPv6, private or service sources', () => {
    expect(countryOf('81.2.69.142')).toBe('GB');
    expect(countryOf('8.8.8.8')).toBe('US');
    expect(countryOf('2001:db8::1')).toBeUndefined();
    expect(countryOf('10.0.0.1')).toBeUndefined();
    expect(countryOf('ec2.amazonaws.com')).toBeUndefined();
    expect(countryOf('211.9.016.253')).toBeDefined(); // zero-padded octet, as CloudTrail anonymisation writes it
  });
});
