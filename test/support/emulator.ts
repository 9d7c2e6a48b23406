import { inject } from 'vitest';

/** This worker's moto server: VITEST_POOL_ID runs from 1 to the project's maxWorkers. */
export function awsEndpoint(): string {
  const endpoints = inject('awsEndpoints');
  return endpoints[(Number(process.env.VITEST_POOL_ID ?? 1) - 1) % endpoints.length]!;
}
