import type { TestProject } from 'vitest/node';
import { ensureCheckers, startMoto } from '../../local/moto';
import { synthesizeRoles } from './iam/roles';
import type { SynthesizedRoles } from './iam/roles';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorCount: number;
    awsEndpoints: string[];
    /** Each function's role as the CDK app synthesizes it, alone and in organization mode (test/support/iam). */
    iamRoles: { single: SynthesizedRoles; organization: SynthesizedRoles };
  }
}

/** One moto server per integration worker (see vitest.config.ts); `awsEndpoint()` picks the worker's own. */
export default async function setup(project: TestProject) {
  const count = project.config.provide?.emulatorCount ?? 1;
  // The checkers' set includes moto: installing it here, once and before any file starts, keeps a
  // clean clone's pip (minutes of CPU) from running beside integration tests that have timeouts.
  await ensureCheckers();
  const [motos, single, organization] = await Promise.all([
    Promise.all(Array.from({ length: count }, () => startMoto())),
    synthesizeRoles('single'),
    synthesizeRoles('organization'),
  ]);
  project.provide('iamRoles', { single, organization });
  project.provide(
    'awsEndpoints',
    motos.map((m) => m.url),
  );
  return () => Promise.all(motos.map((m) => m.stop())).then(() => undefined);
}
