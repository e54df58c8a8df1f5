import { loadConfig, unknownVariableWarnings } from './config/load.js';
import type { Config } from './config/schema.js';

/** The flags every `patina-server` command takes. */
export interface CommonFlags {
  config?: string;
  dataDir?: string;
}

/**
 * The configuration of a command. A misspelt `PATINA_*` variable is warned of (on stderr, or in
 * the server's log) rather than ignored without a word.
 */
export function configFrom(
  flags: CommonFlags & { host?: string; port?: string; workers?: string },
  warn: (text: string) => void = (text) => process.stderr.write(`patina: warning: ${text}\n`),
): Config {
  for (const text of unknownVariableWarnings()) warn(text);
  return loadConfig({
    file: flags.config,
    overrides: {
      dataDir: flags.dataDir,
      host: flags.host,
      port: flags.port === undefined ? undefined : Number(flags.port),
      workers:
        flags.workers === undefined || !/^\d+$/.test(flags.workers)
          ? flags.workers
          : Number(flags.workers),
    },
  });
}
