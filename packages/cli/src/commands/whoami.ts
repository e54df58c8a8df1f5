import { type GetPatResponse, PatinaApiError } from '@patina/sdk';
import { Command } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { relativeTime } from '../durations.js';
import { notLoggedIn } from '../errors.js';
import { fields, table, visible } from '../output.js';
import type { Setting, Settings } from '../settings.js';
import { clientFrom } from '../settings.js';
import { example } from './help.js';

export function whoamiCommand(ctx: Context): Command {
  return new Command('whoami')
    .description("Show your identity, your PAT and each setting's source")
    .addHelpText('after', example('patina whoami', 'PATINA_PROFILE=ci patina whoami --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const settings = run.settings();
      const client = clientFrom(settings);
      const me = await client.introspect();
      if (!me.active) throw notLoggedIn('The access token is not active; run `patina login`');
      // The PAT's own record (name, expiry) needs the right to read one's PATs; without it
      // whoami still says who you are.
      let pat: GetPatResponse | undefined;
      let patUnreadable: string | undefined;
      try {
        for await (const item of client.pats.iterate({ ownerId: 'me' })) {
          if (item.id === me.client_id) pat = item;
        }
      } catch (error) {
        if (!(error instanceof PatinaApiError && error.status === 403)) throw error;
        patUnreadable = error.messages?.[0]?.text ?? error.message;
      }
      const expiresAt = new Date(me.exp * 1000).toISOString();
      if (run.json) {
        return run.printJson({
          baseUrl: client.baseUrl,
          identity: { id: me.sub, login: me.username },
          pat: pat
            ? { id: pat.id, name: pat.name, scope: pat.scope, expirationDate: pat.expirationDate }
            : { id: me.client_id },
          accessToken: { scope: me.scope.split(' '), expiresAt },
          settings: sources(settings),
        });
      }
      const now = run.ctx.nowMs();
      const out = run.out;
      const username = visible(me.username);
      const shownPat = visible(pat);
      const unreadable = visible(patUnreadable);
      run.print(
        fields(
          [
            ['Logged in to', client.baseUrl],
            ['Identity', `${out.bold(username)} (${visible(me.sub)})`],
            ['PAT', shownPat ? `${shownPat.name} (${shownPat.id})` : visible(me.client_id)],
            ...(shownPat
              ? ([
                  ['PAT scopes', shownPat.scope.join(' ')],
                  [
                    'PAT expires',
                    shownPat.expirationDate
                      ? `${shownPat.expirationDate} (${relativeTime(shownPat.expirationDate, now)})`
                      : 'never',
                  ],
                ] as [string, string][])
              : ([['PAT details', out.yellow(unreadable ?? 'not found')]] as [string, string][])),
            ['Token rights', visible(me.scope)],
            ['Token expires', `${expiresAt} (${relativeTime(expiresAt, now)})`],
          ],
          out.dim,
        ) +
          '\n' +
          table(
            ['SETTING', 'VALUE', 'FROM'],
            Object.entries(sources(settings)).map(([name, { value, source }]) => [
              name,
              value,
              out.dim(source),
            ]),
            { bold: out.bold },
          ),
      );
    });
}

/** Each setting with its source; the secret and the token are never shown, only where they are. */
function sources(settings: Settings): Record<string, Setting> {
  const shown: Record<string, Setting> = { profile: settings.profile };
  if (settings.baseUrl) shown.baseUrl = settings.baseUrl;
  if (settings.clientId) shown.clientId = settings.clientId;
  if (settings.clientSecret)
    shown.clientSecret = { value: '(hidden)', source: settings.clientSecret.source };
  if (settings.accessToken)
    shown.accessToken = { value: '(hidden)', source: settings.accessToken.source };
  return shown;
}
