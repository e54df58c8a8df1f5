import { Command } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { example } from './help.js';

export function tokenCommand(ctx: Context): Command {
  return new Command('token')
    .description('Print an access token for scripts')
    .addHelpText(
      'after',
      example(
        'curl -H "Authorization: Bearer $(patina token)" http://127.0.0.1:7070/v3/personal-access-tokens',
        'patina token --json',
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const client = run.client();
      const accessToken = await client.accessToken();
      if (!run.json) return run.print(accessToken);
      const info = await client.introspect(accessToken);
      run.printJson({
        accessToken,
        expiresAt: info.active ? new Date(info.exp * 1000).toISOString() : null,
        scope: info.active ? info.scope.split(' ') : [],
      });
    });
}
