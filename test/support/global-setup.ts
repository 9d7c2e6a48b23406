import type { TestProject } from 'vitest/node';
import { startMoto } from '../../local/moto';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const moto = await startMoto();
  project.provide('awsEndpoint', moto.url);
  return () => moto.stop();
}
