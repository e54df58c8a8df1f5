import { isIdShaped, SSF_DELIVERY_PUSH } from '@patina/contract';
import type { PatinaClient, SsfStream } from '@patina/sdk';
import { Command } from 'commander';
import type { Context, Run } from '../context.js';
import { runOf } from '../context.js';
import { relativeTime } from '../durations.js';
import { CliError, usageError } from '../errors.js';
import { table, visible } from '../output.js';
import { confirm } from '../prompt.js';
import { example } from './help.js';

const ID = '86f1dc6fe8f54414950454cbb11278fa';

export function ssfCommand(ctx: Context): Command {
  const ssf = new Command('ssf')
    .description("List and delete every receiver's Shared Signals streams (administrators)")
    .addHelpText('after', example('patina ssf list', `patina ssf delete ${ID}`));

  ssf
    .command('list')
    .description('List every client’s streams, oldest first (needs the all-read right)')
    .addHelpText('after', example('patina ssf list', 'patina ssf list --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const all: SsfStream[] = [];
      for await (const stream of run.client().ssfStreams.iterate()) all.push(stream);
      if (run.json) return run.printJson(all);
      if (all.length === 0) return run.say('No Shared Signals streams.');
      const now = run.ctx.nowMs();
      run.print(
        table(
          ['ID', 'CLIENT', 'OWNER', 'METHOD', 'STATUS', 'ACTIVE', 'ENDPOINT', 'CREATED'],
          visible(all).map((stream) => [
            stream.id,
            run.out.dim(stream.clientId),
            stream.ownerId === null ? '–' : run.out.dim(stream.ownerId),
            method(stream),
            statusOf(stream, run),
            stream.active ? 'yes' : run.out.red('no'),
            stream.endpointUrl ?? '–',
            relativeTime(stream.created, now),
          ]),
          // The endpoint gives way first, then the owner and the client: the stream id is what
          // `patina ssf delete` takes, so it is never cut.
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [6, 2, 1] },
        ),
      );
    });

  ssf
    .command('delete')
    .description(
      'Delete a stream and the events it is still owed; its receiver must register a new one',
    )
    .argument('<id>', 'the stream id (as `patina ssf list` shows)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', example(`patina ssf delete ${ID} --yes`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkStreamId(args[0] as string);
      const { yes } = args[1] as { yes?: boolean };
      const client = run.client();
      if (!yes) await confirmDelete(run, client, id);
      await client.ssfStreams.delete(id);
      if (run.json) return run.printJson({ deleted: id });
      run.say(`Deleted stream ${id}.`);
    });

  return ssf;
}

/**
 * On a terminal only, as `patina pat delete` asks. The admin API has no single-stream read, so
 * the stream is looked up in the list to say whose it is; one not listed is left to the API's 404.
 */
async function confirmDelete(run: Run, client: PatinaClient, id: string): Promise<void> {
  if (!run.ctx.stdin.isTTY) {
    throw usageError('Refusing to delete without confirmation: pass --yes');
  }
  let found: SsfStream | undefined;
  for await (const stream of client.ssfStreams.iterate()) {
    if (stream.id === id) {
      found = visible(stream);
      break;
    }
  }
  const what = found
    ? `the ${method(found)} stream ${id} of client ${found.clientId}${found.endpointUrl ? ` (to ${found.endpointUrl})` : ''}`
    : `stream ${id}`;
  const sure = await confirm(
    run.ctx,
    `Delete ${what}? Its receiver stops getting security events; it must register a new stream.`,
  );
  if (!sure) throw new CliError('Not deleted.');
}

function checkStreamId(id: string): string {
  if (!isIdShaped(id)) {
    throw usageError(
      'That is not a stream id (32 lowercase hex characters, as `patina ssf list` shows)',
    );
  }
  return id;
}

/** RFC 8935 push or RFC 8936 poll, by its short name. */
function method(stream: SsfStream): string {
  return stream.deliveryMethod === SSF_DELIVERY_PUSH ? 'push' : 'poll';
}

/** SSF 1.0 §8.1.2: enabled, or paused / disabled (yellow / red) with the reason when there is one. */
function statusOf(stream: SsfStream, run: Run): string {
  if (stream.status === 'enabled') return stream.status;
  const text = stream.statusReason ? `${stream.status} (${stream.statusReason})` : stream.status;
  return stream.status === 'paused' ? run.out.yellow(text) : run.out.red(text);
}
