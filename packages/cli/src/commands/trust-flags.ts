import { isIdShaped, MAX_FEDERATED_TOKEN_LIFETIME_SECONDS } from '@patina/contract';
import type {
  CreateTrustPolicyRequest,
  TrustPolicyMergePatch,
  TrustPolicyTemplate,
} from '@patina/sdk';
import { spanMs } from '../durations.js';
import { usageError } from '../errors.js';

/**
 * `patina trust create` and `update`: their flags as the API's create body and merge patch. A
 * usage error names the flag; what only the server knows (a template's parameters, the scope
 * catalogue, whether the conditions pin a workload) is left to its 400.
 */

/** The shortest life a policy may give its access tokens (the contract's minimum). */
const MIN_LIFETIME_SECONDS = 60;

/** The options create and update share: what a merge patch may change. */
export interface PolicyFlags {
  name?: string;
  issuer?: string;
  jwksUri?: string;
  audience?: string;
  condition?: string[];
  identity?: string;
  scope?: string[];
  maxLifetime?: string;
  /** `--require-dpop` / `--no-require-dpop`: DPoP-bound tokens only. */
  requireDpop?: boolean;
}

/** The template's own options: create only. */
export interface TemplateFlags {
  template?: TrustPolicyTemplate;
  repository?: string;
  projectPath?: string;
  ref?: string;
  environment?: string;
  namespace?: string;
  serviceAccount?: string;
}

/** `trust create`'s flags as the create body; a template's issuer goes in its parameters. */
export function createBody(flags: PolicyFlags & TemplateFlags & { disabled?: boolean }) {
  const parameters = templateParameters(flags);
  const body: CreateTrustPolicyRequest = {
    name: flags.name!,
    identityId: checkIdentityId(flags.identity!),
    scope: [...new Set(flags.scope)],
  };
  if (flags.template) {
    body.template = flags.template;
    body.templateParameters = parameters;
  } else if (Object.keys(parameters).length > 0) {
    const given = templateFlagsGiven(flags);
    const list =
      given.length === 1 ? given[0]! : `${given.slice(0, -1).join(', ')} and ${given.at(-1)!}`;
    throw usageError(`${list} need${given.length === 1 ? 's' : ''} --template`);
  }
  // A template's issuer is one of its parameters (a self-managed GitLab, a cluster's issuer);
  // GitHub Actions has one issuer, the template's own.
  if (flags.issuer !== undefined) {
    if (flags.template === 'github-actions') {
      throw usageError('--issuer does not go with --template github-actions: its issuer is fixed');
    }
    if (flags.template) body.templateParameters = { ...parameters, issuer: flags.issuer };
    else body.issuer = flags.issuer;
  }
  if (flags.jwksUri !== undefined) body.jwksUri = flags.jwksUri;
  if (flags.audience !== undefined) body.audience = flags.audience;
  if (flags.condition) body.conditions = conditions(flags.condition);
  if (flags.maxLifetime !== undefined) body.maxTokenLifetimeSeconds = lifetime(flags.maxLifetime);
  if (flags.requireDpop !== undefined) body.requireDpop = flags.requireDpop;
  if (flags.disabled) body.enabled = false;
  return body;
}

/** `trust update`'s flags as an RFC 7396 merge patch; `--jwks-uri ''` is null. */
export function patchBody(flags: PolicyFlags & { enable?: boolean; disable?: boolean }) {
  const patch: TrustPolicyMergePatch = {};
  if (flags.name !== undefined) patch.name = flags.name;
  if (flags.issuer !== undefined) patch.issuer = flags.issuer;
  if (flags.jwksUri !== undefined) patch.jwksUri = flags.jwksUri === '' ? null : flags.jwksUri;
  if (flags.audience !== undefined) patch.audience = flags.audience;
  if (flags.condition) patch.conditions = conditions(flags.condition);
  if (flags.identity !== undefined) patch.identityId = checkIdentityId(flags.identity);
  if (flags.scope) patch.scope = [...new Set(flags.scope)];
  if (flags.maxLifetime !== undefined) patch.maxTokenLifetimeSeconds = lifetime(flags.maxLifetime);
  if (flags.requireDpop !== undefined) patch.requireDpop = flags.requireDpop;
  if (flags.enable) patch.enabled = true;
  if (flags.disable) patch.enabled = false;
  if (Object.keys(patch).length === 0) {
    throw usageError(
      'Nothing to change: give --name, --issuer, --jwks-uri, --audience, --condition, --identity, --scope, --max-lifetime, --require-dpop, --no-require-dpop, --enable or --disable',
    );
  }
  return patch;
}

function templateParameters(
  flags: TemplateFlags,
): NonNullable<CreateTrustPolicyRequest['templateParameters']> {
  const { repository, projectPath, ref, environment, namespace, serviceAccount } = flags;
  const given = { repository, projectPath, ref, environment, namespace, serviceAccount };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}

function templateFlagsGiven(flags: TemplateFlags): string[] {
  const names: [keyof TemplateFlags, string][] = [
    ['repository', '--repository'],
    ['projectPath', '--project-path'],
    ['ref', '--ref'],
    ['environment', '--environment'],
    ['namespace', '--namespace'],
    ['serviceAccount', '--service-account'],
  ];
  return names.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
}

/** `claim=value` pairs; a claim given again is an alternative: `ref=a ref=b` → `{ ref: [a, b] }`. */
function conditions(pairs: string[]): Record<string, string | string[]> {
  const found = new Map<string, string[]>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const claim = pair.slice(0, at).trim();
    const value = pair.slice(at + 1);
    if (at < 0 || claim === '' || value === '') {
      throw usageError('--condition must be claim=value, e.g. --condition ref=refs/heads/main');
    }
    const values = found.get(claim) ?? [];
    if (!values.includes(value)) values.push(value);
    found.set(claim, values);
  }
  return Object.fromEntries(
    [...found].map(([claim, values]) => [claim, values.length === 1 ? values[0]! : values]),
  );
}

/** `--max-lifetime`: a span (15m, 1h) from 1 minute to 12 hours, as seconds. */
function lifetime(text: string): number {
  const ms = spanMs(text);
  const seconds = ms === undefined ? Number.NaN : ms / 1000;
  if (!(seconds >= MIN_LIFETIME_SECONDS && seconds <= MAX_FEDERATED_TOKEN_LIFETIME_SECONDS)) {
    throw usageError('--max-lifetime must be a span from 1m to 12h, like 15m or 1h');
  }
  return seconds;
}

function checkIdentityId(id: string): string {
  if (!isIdShaped(id)) {
    throw usageError(
      'That is not an identity id (32 lowercase hex characters, as `patina identities list` shows)',
    );
  }
  return id;
}
