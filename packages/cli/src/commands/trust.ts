import {
  JWT_BEARER_GRANT,
  TOKEN_EXCHANGE_GRANT,
  TRUST_POLICY_ID_PATTERN,
  TRUST_POLICY_TEMPLATES,
} from '@patina/contract';
import type { TrustPolicy } from '@patina/sdk';
import { Command, Option } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { relativeTime } from '../durations.js';
import { CliError, usageError } from '../errors.js';
import { fields, table, visible, type Colours } from '../output.js';
import { confirm } from '../prompt.js';
import { example } from './help.js';
import { createBody, patchBody, type PolicyFlags, type TemplateFlags } from './trust-flags.js';

const ID = 'tp_86f1dc6fe8f54414950454cbb11278fa';
const IDENTITY = '0f3c6b2a9d8e4f1a8b7c6d5e4f3a2b1c';
const TRUST_POLICY_ID = new RegExp(TRUST_POLICY_ID_PATTERN);

export function trustCommand(ctx: Context): Command {
  const trust = new Command('trust')
    .description(
      'Manage trust policies: which workloads (GitHub Actions, GitLab CI, Kubernetes) may trade their OIDC token for an access token (administrators)',
    )
    .addHelpText(
      'after',
      example(
        'patina trust list',
        `patina trust create --name deploy --template github-actions --repository acme/app --identity ${IDENTITY} --scope sp:my-personal-access-tokens:read`,
        `patina trust update ${ID} --disable`,
      ),
    );

  trust
    .command('list')
    .description('List trust policies')
    .addHelpText('after', example('patina trust list', 'patina trust list --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const all: TrustPolicy[] = [];
      for await (const policy of run.client().trustPolicies.iterate()) all.push(policy);
      if (run.json) return run.printJson(all);
      if (all.length === 0) return run.say('No trust policies.');
      const now = run.ctx.nowMs();
      run.print(
        table(
          ['NAME', 'ISSUER', 'IDENTITY', 'SCOPES', 'STATUS', 'LAST USED', 'ID'],
          visible(all).map((policy) => [
            policy.name,
            policy.issuer,
            policy.identityName ?? policy.identityId,
            policy.scope.join(' '),
            policy.enabled ? 'enabled' : run.out.red('disabled'),
            policy.lastUsed ? relativeTime(policy.lastUsed, now) : 'never',
            run.out.dim(policy.id),
          ]),
          // Scopes give way first, then the issuer and the name: the id is what the others take.
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [3, 1, 0] },
        ),
      );
    });

  const create = trust
    .command('create')
    .description('Create a trust policy; its id is printed to stdout')
    .addOption(new Option('--name <name>', 'a name for people').makeOptionMandatory())
    .addOption(
      new Option(
        '--template <template>',
        "fill the issuer and the conditions that pin one workload from the template's options",
      ).choices(TRUST_POLICY_TEMPLATES),
    )
    .option('--repository <owner/name>', 'github-actions: the repository')
    .option('--project-path <group/project>', 'gitlab-ci: the project')
    .option(
      '--ref <ref>',
      'github-actions: a full ref (refs/heads/main); gitlab-ci: a branch or tag',
    )
    .option('--environment <name>', 'github-actions, gitlab-ci: a deployment environment')
    .option('--namespace <namespace>', 'kubernetes: the namespace')
    .option('--service-account <name>', 'kubernetes: the service account');
  policyOptions(create, 'create')
    .option('--disabled', 'create it disabled: nothing is exchanged until it is enabled')
    .addHelpText(
      'after',
      example(
        `patina trust create --name 'acme/app deploys' --template github-actions --repository acme/app --ref refs/heads/main --identity ${IDENTITY} --scope sp:my-personal-access-tokens:read`,
        `patina trust create --name runner --template gitlab-ci --project-path acme/app --identity ${IDENTITY} --scope sp:my-personal-access-tokens:read --max-lifetime 1h`,
        `patina trust create --name exporter --template kubernetes --issuer https://oidc.cluster.example.com --namespace batch --service-account exporter --identity ${IDENTITY} --scope sp:my-personal-access-tokens:read`,
        `patina trust create --name buildkite --issuer https://agent.buildkite.com --condition sub='organization:acme:pipeline:deploy:*' --identity ${IDENTITY} --scope sp:my-personal-access-tokens:read`,
      ) +
        '\n--issuer is the issuer itself without --template, and the template’s issuer with gitlab-ci\n' +
        '(a self-managed GitLab) or kubernetes (the cluster’s service-account issuer).\n',
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const flags = args[0] as PolicyFlags & TemplateFlags & { disabled?: boolean };
      const body = createBody(flags);
      const client = run.client();
      const created = await client.trustPolicies.create(body);
      if (run.json) return run.printJson(created);
      const shown = visible(created);
      run.say(
        fields(
          [['Created', `${shown.name} (${shown.id})`], ...summary(shown, run.ctx.nowMs(), run.err)],
          run.err.dim,
        ) +
          `Workloads trade their token (aud ${shown.audience}) at ${client.baseUrl}/oauth/token\n` +
          `with grant_type ${TOKEN_EXCHANGE_GRANT} (RFC 8693) or ${JWT_BEARER_GRANT} (RFC 7523).`,
      );
      run.print(created.id);
    });

  trust
    .command('show')
    .description('Show every field of one trust policy')
    .argument('<id>', 'the trust policy id (as `patina trust list` shows)')
    .addHelpText('after', example(`patina trust show ${ID}`, `patina trust show ${ID} --json`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const found = await run.client().trustPolicies.get(checkPolicyId(args[0] as string));
      if (run.json) return run.printJson(found);
      run.print(fields(showFields(visible(found), run.ctx.nowMs(), run.out), run.out.dim));
    });

  const update = trust
    .command('update')
    .description(
      'Change a trust policy; a new issuer, key set, audience, condition, identity or scope ends the access tokens it issued before',
    )
    .argument('<id>', 'the trust policy id');
  policyOptions(update, 'update')
    .addOption(new Option('--enable', 'let workloads exchange tokens under it again'))
    .addOption(
      new Option('--disable', 'stop it at once: its access tokens are refused').conflicts('enable'),
    )
    .addHelpText(
      'after',
      example(
        `patina trust update ${ID} --disable`,
        `patina trust update ${ID} --condition repository=acme/app --condition ref=refs/heads/main --condition ref=refs/heads/release`,
        `patina trust update ${ID} --max-lifetime 30m --jwks-uri ''`,
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkPolicyId(args[0] as string);
      const flags = args[1] as PolicyFlags & { enable?: boolean; disable?: boolean };
      const patch = patchBody(flags);
      const updated = await run.client().trustPolicies.update(id, patch);
      if (run.json) return run.printJson(updated);
      const shown = visible(updated);
      run.say(
        fields(
          [['Changed', `${shown.name} (${shown.id})`], ...summary(shown, run.ctx.nowMs(), run.err)],
          run.err.dim,
        ),
      );
    });

  trust
    .command('delete')
    .description('Delete a trust policy; the access tokens it issued stop at once')
    .argument('<id>', 'the trust policy id')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', example(`patina trust delete ${ID} --yes`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkPolicyId(args[0] as string);
      const { yes } = args[1] as { yes?: boolean };
      const client = run.client();
      if (!yes) {
        if (!run.ctx.stdin.isTTY) {
          throw usageError('Refusing to delete without confirmation: pass --yes');
        }
        const found = visible(await client.trustPolicies.get(id));
        const sure = await confirm(
          run.ctx,
          `Delete the trust policy ${found.name} (${id})? The access tokens it issued stop at once, and its workloads get no more.`,
        );
        if (!sure) throw new CliError('Not deleted.');
      }
      await client.trustPolicies.delete(id);
      if (run.json) return run.printJson({ deleted: id });
      run.say(`Deleted trust policy ${id}.`);
    });

  return trust;
}

/** The options for what a merge patch may change, on create (name, identity, scope required). */
function policyOptions(command: Command, verb: 'create' | 'update'): Command {
  const required = (option: Option) => (verb === 'create' ? option.makeOptionMandatory() : option);
  const replaces = verb === 'update' ? '; replaces them all' : '';
  if (verb === 'update') command.option('--name <name>', 'a new name');
  return command
    .option('--issuer <url>', "the incoming token's iss (https)")
    .option(
      '--jwks-uri <url>',
      verb === 'create'
        ? "where the issuer's keys are (default: from its discovery document)"
        : "where the issuer's keys are ('' goes back to the discovery document)",
    )
    .option(
      '--audience <aud>',
      `the aud the incoming token must carry${verb === 'create' ? " (default: Patina's issuer URL)" : ''}`,
    )
    .option(
      '--condition <claim=value...>',
      `a claim the token must carry (repeat for more; the same claim again adds an alternative; * and ? are globs)${replaces}`,
    )
    .addOption(
      required(new Option('--identity <id>', 'the identity the workload acts as (its id)')),
    )
    .addOption(
      required(
        new Option(
          '--scope <scope...>',
          `a scope the workload may get (repeat for more)${replaces}`,
        ),
      ),
    )
    .option(
      '--max-lifetime <span>',
      `the longest an access token it issues lives: 1m to 12h, e.g. 15m or 1h${verb === 'create' ? ' (default 15m)' : ''}`,
    )
    .option(
      '--require-dpop',
      'issue DPoP-bound tokens only: an exchange without a DPoP proof is refused',
    )
    .option('--no-require-dpop', 'issue bearer tokens too');
}

/** A trust policy id is `tp_` and 32 hex digits; anything else is not echoed (it may be a secret). */
function checkPolicyId(id: string): string {
  if (!TRUST_POLICY_ID.test(id)) {
    throw usageError(
      'That is not a trust policy id (tp_ and 32 lowercase hex characters, as `patina trust list` shows)',
    );
  }
  return id;
}

/** What a create or an update says on stderr: the fields an administrator set. */
function summary(policy: TrustPolicy, now: number, paint: Colours): [string, string][] {
  const all = showFields(policy, now, paint);
  const keep = [
    'Status',
    'Issuer',
    'Audience',
    'Conditions',
    'Identity',
    'Scopes',
    'Token lifetime',
  ];
  return all.filter(([key]) => keep.includes(key));
}

function showFields(policy: TrustPolicy, now: number, paint: Colours): [string, string][] {
  const at = (iso: string) => `${iso} (${relativeTime(iso, now)})`;
  const indent = '\n' + ' '.repeat('Token lifetime'.length + 2);
  const claims = Object.entries(policy.conditions).map(
    ([claim, value]) => `${claim} = ${Array.isArray(value) ? value.join(' | ') : value}`,
  );
  return [
    ['Name', policy.name],
    ['ID', policy.id],
    ['Status', policy.enabled ? 'enabled' : paint.red('disabled')],
    ['Template', policy.template ?? paint.dim('none')],
    ['Issuer', policy.issuer],
    ['Keys', policy.jwksUri ?? paint.dim("from the issuer's discovery document")],
    ['Audience', policy.audience],
    ['Conditions', claims.length === 0 ? paint.dim('none') : claims.join(indent)],
    [
      'Identity',
      policy.identityName ? `${policy.identityName} (${policy.identityId})` : policy.identityId,
    ],
    ['Scopes', policy.scope.join(' ')],
    ['Token lifetime', spanText(policy.maxTokenLifetimeSeconds)],
    ['DPoP', policy.requireDpop ? 'required: bound tokens only' : 'optional'],
    ['Last used', policy.lastUsed ? at(policy.lastUsed) : 'never'],
    ['Created', at(policy.created)],
    ['Modified', at(policy.modified)],
  ];
}

/** 900 → `15m (900 s)`; seconds that are no whole minute stay seconds. */
function spanText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h (${seconds} s)`;
  if (seconds % 60 === 0) return `${seconds / 60}m (${seconds} s)`;
  return `${seconds} s`;
}
