import { AUDIT_EVENT_TYPES, type AuditEventType } from '@patina/contract';
import { MAX_PAGE_SIZE, type AuditEvent } from '@patina/sdk';
import { Command, Option } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { pastInstant, relativeTime } from '../durations.js';
import { usageError } from '../errors.js';
import { table, visible } from '../output.js';
import { example } from './help.js';

export function auditCommand(ctx: Context): Command {
  const audit = new Command('audit')
    .description('Read the audit trail (administrators)')
    .addHelpText('after', example('patina audit list --since 7d'));

  audit
    .command('list')
    .description('Audit events, newest first')
    .addOption(new Option('--type <type>', 'only events of this type').choices(AUDIT_EVENT_TYPES))
    .option('--since <when>', 'only events since then: a span back (7d, 12h) or a date')
    .option('--actor <id>', 'only events by this identity')
    .option('--target <id>', 'only events about this PAT, identity or key')
    .option('--limit <n>', 'at most this many events', '100')
    .addHelpText(
      'after',
      example(
        'patina audit list --since 7d',
        'patina audit list --type PERSONAL_ACCESS_TOKEN_USE_FAILED --json',
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const flags = args[0] as {
        type?: AuditEventType;
        since?: string;
        actor?: string;
        target?: string;
        limit: string;
      };
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw usageError('--limit must be a whole number above 0');
      const query = {
        limit: Math.min(limit, MAX_PAGE_SIZE),
        ...(flags.type && { type: flags.type }),
        ...(flags.since && { from: pastInstant(flags.since, '--since', run.ctx.nowMs()) }),
        ...(flags.actor && { actorId: flags.actor }),
        ...(flags.target && { targetId: flags.target }),
      };
      const events: AuditEvent[] = [];
      for await (const event of run.client().audit.iterate(query)) {
        events.push(event);
        if (events.length >= limit) break;
      }
      if (run.json) return run.printJson(events);
      if (events.length === 0) return run.say('No audit events.');
      const now = run.ctx.nowMs();
      run.print(
        table(
          ['TIME', 'TYPE', 'ACTOR', 'TARGET', 'OUTCOME'],
          visible(events).map((e) => [
            relativeTime(e.time, now),
            e.type,
            e.actor.name ?? e.actor.id ?? '-',
            e.target.name ?? e.target.id ?? '-',
            e.outcome === 'SUCCESS' ? e.outcome : run.out.red(e.outcome),
          ]),
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [3, 2] },
        ),
      );
    });

  return audit;
}
