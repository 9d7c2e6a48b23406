import type { IAMClient } from '@aws-sdk/client-iam';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type AnyClient = IAMClient | DynamoDBDocumentClient | { middlewareStack: IAMClient['middlewareStack'] };

/**
 * SDK middleware on the bot's own clients: requests still go to moto, and the test sees what was
 * asked (for what moto does not store) or makes one named command fail (for rollback tests).
 */
export function recordIamRequests(client: AnyClient): Array<{ command: string; input: Record<string, unknown> }> {
  const seen: Array<{ command: string; input: Record<string, unknown> }> = [];
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next, context) => async (args) => {
      seen.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: `record-${Math.random()}` },
  );
  return seen;
}

export function failCommand(
  client: AnyClient,
  commandName: string,
  error: { name: string; message?: string },
  when: (input: Record<string, unknown>) => boolean = () => true,
): () => void {
  const name = `fail-${commandName}-${Math.random()}`;
  const stack = client.middlewareStack as IAMClient['middlewareStack'];
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName && when(args.input as Record<string, unknown>))
        throw Object.assign(new Error(error.message ?? error.name), { name: error.name });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => stack.remove(name);
}
