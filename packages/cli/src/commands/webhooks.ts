import { DELIVERY_STATUSES, isIdShaped, WEBHOOK_EVENT_TYPES } from '@patina/contract';
import type {
  CreateWebhookResponse,
  DeliveryStatus,
  Webhook,
  WebhookDelivery,
  WebhookEventType,
} from '@patina/sdk';
import { Command, Option } from 'commander';
import type { Context, Run } from '../context.js';
import { runOf } from '../context.js';
import { relativeTime } from '../durations.js';
import { CliError, usageError } from '../errors.js';
import { fields, table, visible } from '../output.js';
import { confirm } from '../prompt.js';
import { example } from './help.js';

const ID = '86f1dc6fe8f54414950454cbb11278fa';

export function webhooksCommand(ctx: Context): Command {
  const webhooks = new Command('webhooks')
    .description('Manage webhook endpoints and follow their deliveries (administrators)')
    .addHelpText(
      'after',
      example(
        'patina webhooks list',
        'patina webhooks create https://hooks.example.com/patina --event personal_access_token.revoked',
      ),
    );

  webhooks
    .command('list')
    .description('List webhook endpoints')
    .addHelpText('after', example('patina webhooks list', 'patina webhooks list --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const all: Webhook[] = [];
      for await (const hook of run.client().webhooks.iterate()) all.push(hook);
      if (run.json) return run.printJson(all);
      if (all.length === 0) return run.say('No webhooks.');
      run.print(
        table(
          ['URL', 'EVENTS', 'STATUS', 'DESCRIPTION', 'ID'],
          visible(all).map((hook) => [
            hook.url,
            hook.events.join(' '),
            hookStatus(hook, run),
            hook.description,
            run.out.dim(hook.id),
          ]),
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [3, 1, 0] },
        ),
      );
    });

  webhooks
    .command('create')
    .description('Create a webhook endpoint; its signing secret is printed once, to stdout')
    .argument('<url>', 'where events are POSTed (https)')
    .addOption(
      new Option('--event <type...>', 'an event type it receives (repeat for more)')
        .choices(WEBHOOK_EVENT_TYPES)
        .makeOptionMandatory(),
    )
    .option('--description <text>', 'what the endpoint is for')
    .option('--disabled', 'create it disabled: nothing is sent until it is enabled')
    .addHelpText(
      'after',
      example(
        'patina webhooks create https://hooks.example.com/patina --event personal_access_token.revoked --event identity.offboarded > whsec.txt',
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const flags = args[1] as {
        event: WebhookEventType[];
        description?: string;
        disabled?: boolean;
      };
      const created = await run.client().webhooks.create({
        url: args[0] as string,
        events: [...new Set(flags.event)],
        ...(flags.description !== undefined && { description: flags.description }),
        ...(flags.disabled && { enabled: false }),
      });
      if (run.json) return run.printJson(created);
      showSecret(run, 'Created', created);
    });

  webhooks
    .command('delete')
    .description('Delete a webhook endpoint and the deliveries it is still owed')
    .argument('<id>', 'the webhook id')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', example(`patina webhooks delete ${ID} --yes`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkWebhookId(args[0] as string);
      const { yes } = args[1] as { yes?: boolean };
      const client = run.client();
      if (!yes) {
        if (!run.ctx.stdin.isTTY) {
          throw usageError('Refusing to delete without confirmation: pass --yes');
        }
        const hook = visible(await client.webhooks.get(id));
        if (!(await confirm(run.ctx, `Delete the webhook to ${hook.url} (${id})?`))) {
          throw new CliError('Not deleted.');
        }
      }
      await client.webhooks.delete(id);
      if (run.json) return run.printJson({ deleted: id });
      run.say(`Deleted webhook ${id}.`);
    });

  webhooks
    .command('rotate-secret')
    .description('A new signing secret, printed once; for a day requests carry both signatures')
    .argument('<id>', 'the webhook id')
    .addHelpText('after', example(`patina webhooks rotate-secret ${ID} > whsec.txt`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const rotated = await run.client().webhooks.rotateSecret(checkWebhookId(args[0] as string));
      if (run.json) return run.printJson(rotated);
      showSecret(run, 'Rotated', rotated);
    });

  webhooks
    .command('test')
    .description('Send the endpoint a ping event')
    .argument('<id>', 'the webhook id')
    .addHelpText('after', example(`patina webhooks test ${ID}`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkWebhookId(args[0] as string);
      const queued = await run.client().webhooks.test(id);
      if (run.json) return run.printJson(queued);
      const shown = visible(queued);
      run.print(shown.deliveryId);
      run.say(
        `Ping queued (webhook-id ${shown.eventId}); follow it with \`patina webhooks deliveries ${id}\`.`,
      );
    });

  webhooks
    .command('deliveries')
    .description("The endpoint's deliveries, newest first: status, attempts, next retry")
    .argument('<id>', 'the webhook id')
    .addOption(new Option('--status <status>', 'only these').choices(DELIVERY_STATUSES))
    .option('--limit <n>', 'at most this many (default 50)', '50')
    .addHelpText(
      'after',
      example(
        `patina webhooks deliveries ${ID} --status FAILED`,
        `patina webhooks deliveries ${ID} --json`,
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkWebhookId(args[0] as string);
      const flags = args[1] as { status?: DeliveryStatus; limit: string };
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw usageError('--limit must be a whole number of at least 1');
      }
      const found: WebhookDelivery[] = [];
      const pages = run.client().webhooks.iterateDeliveries(id, {
        ...(flags.status && { status: flags.status }),
        limit: Math.min(limit, 250),
      });
      for await (const delivery of pages) {
        found.push(delivery);
        if (found.length === limit) break;
      }
      if (run.json) return run.printJson(found);
      if (found.length === 0) return run.say('No deliveries.');
      const now = run.ctx.nowMs();
      run.print(
        table(
          ['CREATED', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST ANSWER', 'NEXT TRY', 'ID'],
          visible(found).map((d) => {
            const last = d.attempts.at(-1);
            return [
              relativeTime(d.created, now),
              d.eventType,
              d.status === 'FAILED' ? run.out.red(d.status) : d.status,
              String(d.attempts.length),
              last ? (last.statusCode !== null ? String(last.statusCode) : (last.error ?? '')) : '',
              d.nextAttemptAt ? relativeTime(d.nextAttemptAt, now) : '',
              run.out.dim(d.id),
            ];
          }),
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [4, 1] },
        ),
      );
    });

  return webhooks;
}

function checkWebhookId(id: string): string {
  if (!isIdShaped(id)) {
    throw usageError(
      'That is not a webhook id (32 lowercase hex characters, as `patina webhooks list` shows)',
    );
  }
  return id;
}

function hookStatus(hook: Webhook, run: Run): string {
  if (hook.enabled) return hook.failingSince ? run.out.yellow('failing') : 'enabled';
  return run.out.red(hook.disabledReason ? `disabled (${hook.disabledReason})` : 'disabled');
}

function showSecret(run: Run, verb: string, hook: CreateWebhookResponse): void {
  const shown = visible(hook);
  run.say(
    fields(
      [
        [verb, `${shown.url} (${shown.id})`],
        ['Events', shown.events.join(' ')],
      ],
      run.err.dim,
    ) +
      run.err.yellow('The signing secret is shown this once, on stdout; store it now.') +
      '\nVerify requests with any Standard Webhooks library (see docs/notifications.md).',
  );
  run.print(hook.secret);
}
