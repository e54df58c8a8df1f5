import { ALL_SCOPES, MAX_DESCRIPTION_LENGTH, type ExpiryRule } from '@patina/contract';
import type { Policy } from '../config/schema.js';
import { illegalValue, requiredMissing } from '../core/errors.js';
import { cleanText } from '../core/free-text.js';
import type { RightsModel } from '../identities/rights.js';
import { checkAllowedCidrs } from './allowed-cidrs.js';
import { resolveExpiry, type ResolvedExpiry } from './expiry.js';
import { ruleBoundsFor } from './policy-rules.js';
import { echo } from '../core/redact.js';

/** A create request as an owner or an administrator sends it (already schema-checked). */
export interface CreatePatInput {
  name: string;
  scope?: string[] | null | undefined;
  accessTokenValiditySeconds?: number | undefined;
  expirationDate?: string | null | undefined;
  userAwareTokenNeverExpires?: boolean | undefined;
  /** Patina's own fields: only the Patina PAT resource takes them. */
  description?: string | undefined;
  allowedCidrs?: string[] | null | undefined;
  requireDpop?: boolean | undefined;
}

/** The fields of a new PAT, each checked against the deployment's policy and catalogue. */
export interface CheckedCreateInput extends ResolvedExpiry {
  name: string;
  scope: string[];
  accessTokenValiditySeconds: number;
  description: string;
  allowedCidrs: string[] | null;
  requireDpop: boolean;
}

/** SailPoint's default when `scope` is absent or null: everything the owner holds. */
export const DEFAULT_SCOPE: readonly string[] = [ALL_SCOPES];
const NAME_MAX = 128;

/** Checks a create request; throws a 400 naming the first field that is wrong. */
export function checkCreateInput(
  input: CreatePatInput,
  rules: { rights: RightsModel; policy: Policy; expiryRule: ExpiryRule; now: Date },
): CheckedCreateInput {
  const { policy, now } = rules;
  const name = checkName(input.name);
  const scope = checkScope(input.scope, rules.rights);
  const validity = input.accessTokenValiditySeconds ?? policy.accessTokenValiditySeconds.default;
  const bounds = policy.accessTokenValiditySeconds;
  if (validity < bounds.min || validity > bounds.max) {
    throw illegalValue(
      'accessTokenValiditySeconds',
      `'accessTokenValiditySeconds' must be between ${bounds.min} and ${bounds.max}`,
    );
  }
  const expiry = resolveExpiry({
    rule: rules.expiryRule,
    created: now,
    now,
    expirationDate: input.expirationDate,
    userAwareTokenNeverExpires: input.userAwareTokenNeverExpires ?? false,
    policy,
    rules: ruleBoundsFor(scope, policy.rules),
  });
  return {
    name,
    scope,
    accessTokenValiditySeconds: validity,
    ...expiry,
    description: checkDescription(input.description ?? ''),
    allowedCidrs: checkAllowedCidrs(input.allowedCidrs),
    requireDpop: input.requireDpop ?? false,
  };
}

/**
 * A PAT's name, on create and on either PATCH: free text (core/free-text.ts), trimmed, 1 to 128
 * characters. A JSON Patch `value` is typed by no schema, so this is where its name is checked.
 */
export function checkName(raw: string): string {
  const name = cleanText('name', raw).trim();
  if (name.length === 0) throw requiredMissing('name');
  if (name.length > NAME_MAX) {
    throw illegalValue('name', `'name' must be at most ${NAME_MAX} characters after trimming`);
  }
  return name;
}

/** A PAT's description, on create and on the merge patch: free text, 0 to 1000 characters. */
export function checkDescription(raw: string): string {
  const description = cleanText('description', raw);
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw illegalValue(
      'description',
      `'description' must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  }
  return description;
}

/** A PAT's scope, on create and on PATCH: catalogued scopes, de-duplicated; null is the default. */
export function checkScope(
  raw: readonly string[] | null | undefined,
  rights: RightsModel,
): string[] {
  if (raw === undefined || raw === null) return [...DEFAULT_SCOPE];
  if (raw.length === 0) {
    throw illegalValue('scope', "'scope' must name at least one scope, or be null for the default");
  }
  for (const scope of raw) {
    if (!rights.isGrantableScope(scope)) {
      throw illegalValue(
        'scope',
        `Scope '${echo(scope)}' is not in the scope catalogue; add it to the \`scopes\` setting of the config file`,
      );
    }
  }
  return [...new Set(raw)];
}
