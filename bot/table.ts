/**
 * The single DynamoDB table's shape, shared by the store, `npm run local:bootstrap` and (later)
 * the CDK app so the three never disagree.
 *
 *   canary      pk=CANARY#<id>      sk=META     gsi1: CANARY / <createdAt>#<id>
 *   alias       pk=ALIAS#<alias>    sk=ALIAS    canaryId   (what events name -> the canary)
 *   once        pk=<JOB#|EVENT#>..  sk=ONCE     expiresAt  (at-least-once dedupe, TTL)
 */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

/** Lists canaries newest first without a Scan. */
export const LIST_INDEX = { name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' } as const;

/** Epoch seconds; DynamoDB deletes expired dedupe items on its own. */
export const TTL_ATTRIBUTE = 'expiresAt';
