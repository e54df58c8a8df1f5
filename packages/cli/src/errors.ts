import { PatinaApiError, PatinaConfigurationError, PatinaConnectionError } from '@patina/sdk';
import { CommanderError } from 'commander';

/** Exit codes scripts can rely on (as `gh` has them). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** Not logged in, or the server refused the credentials. */
  auth: 4,
  /**
   * Held for approval: nothing was made yet, a PAT request waits for an approver (as `gh pr
   * checks` exits 8 while checks are pending). Also `--wait` running out of time.
   */
  pending: 8,
} as const;

/** A failure the user can act on: its message is all they see, and it picks the exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

export const notLoggedIn = (message: string) => new CliError(message, EXIT.auth);

const LOGIN_HINT = 'run `patina login` (or set PATINA_CLIENT_ID and PATINA_CLIENT_SECRET)';

/** The exit code and the one line to print for any error a command ends with. */
export function describeFailure(error: unknown): { exitCode: number; message?: string } {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (or the help) already.
    return { exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof PatinaConfigurationError) {
    return { exitCode: EXIT.auth, message: `Not logged in: ${error.message}; ${LOGIN_HINT}` };
  }
  if (error instanceof PatinaApiError) {
    if (error.isAuthenticationFailure) {
      return {
        exitCode: EXIT.auth,
        message: `The server refused the credentials: ${error.message}; ${LOGIN_HINT}`,
      };
    }
    return { exitCode: EXIT.error, message: error.message };
  }
  if (error instanceof PatinaConnectionError) {
    return { exitCode: EXIT.error, message: error.message };
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return { exitCode: EXIT.error, message: 'Cancelled' };
  }
  return {
    exitCode: EXIT.error,
    message: error instanceof Error ? error.message : String(error),
  };
}
