/**
 * A CloudTrail record reduced to what alerts need, every field a bounded string. Real records
 * vary a lot (every userIdentity type, service names or IPv6 as source, null or deeply nested
 * requestParameters, obfuscated regions); anything we cannot rely on is normalised here, once.
 */
export interface Identity {
  type?: string;
  arn?: string;
  accessKeyId?: string;
  userName?: string;
  accountId?: string;
  principalId?: string;
  invokedBy?: string;
}

export interface TrailEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  /** ISO 8601, as CloudTrail wrote it. */
  eventTime: string;
  region: string;
  sourceIp: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity: Identity;
  /** requestParameters as compact JSON, cut; undefined when null or absent. */
  requestParameters?: string;
  /** The resource a data event touched, when it names one (S3 bucket and object key). */
  bucket?: string;
  objectKey?: string;
  /** ECR repository a call named. */
  repository?: string;
  /** The IAM user an IAM call acts on (requestParameters.userName). */
  targetUser?: string;
}
