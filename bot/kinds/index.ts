import { awsKey } from './aws-key';
import { ecrImage } from './ecr-image';
import { s3Object } from './s3-object';
import type { CanaryKind } from './kind';

/** Every kind the bot can mint, in the order help and the modal list them. */
export const KINDS: readonly CanaryKind[] = [awsKey, s3Object, ecrImage];
export const DEFAULT_KIND = awsKey;

export function findKind(name: string): CanaryKind | undefined {
  return KINDS.find((k) => k.name === name.toLowerCase());
}
