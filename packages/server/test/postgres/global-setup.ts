import type { TestProject } from 'vitest/node';
import { createDatabase, dropDatabase } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A throwaway database made for this test run; each test app takes a schema of its own. */
    postgresUrl: string;
  }
}

/** Makes the run's throwaway database, and drops it when the run ends. */
export default async function setup(project: TestProject) {
  const { url, name } = await createDatabase();
  project.provide('postgresUrl', url);
  return async () => {
    await dropDatabase(name);
  };
}
