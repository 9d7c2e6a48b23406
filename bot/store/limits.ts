/**
 * DynamoDB's documented limits on expressions ("Service, account, and table quotas in Amazon
 * DynamoDB", section "Expression parameters"). DynamoDB refuses a request that breaks one with a
 * ValidationException, before any condition is evaluated; local/moto_server.py holds the emulator
 * to the same limits. Code that builds expressions from attacker-shaped input (one clause per
 * distinct action or IP) stays inside them by construction, and checks the result here so a
 * mistake fails loudly in a test rather than quietly in production.
 */
export const MAX_EXPRESSION_BYTES = 4096;
export const MAX_UPDATE_OPERATORS = 300;

/** Arithmetic operators and function calls: what the quota page counts in an UpdateExpression. */
export function updateOperators(expression: string): number {
  return (expression.match(/[+-]|\b[a-z_]+\s*\(/g) ?? []).length;
}

export function assertWithinLimits(expression: string): void {
  const bytes = Buffer.byteLength(expression, 'utf8');
  if (bytes > MAX_EXPRESSION_BYTES) throw new Error(`built an expression of ${bytes} bytes; DynamoDB allows ${MAX_EXPRESSION_BYTES}`);
  const operators = updateOperators(expression);
  if (operators > MAX_UPDATE_OPERATORS)
    throw new Error(`built an expression with ${operators} operators; DynamoDB allows ${MAX_UPDATE_OPERATORS}`);
}
