import { ALL_SCOPES, RIGHTS } from '@patina/contract';

/** What each built-in right lets a token do, in the words the console's New token form shows. */
const BUILT_IN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [ALL_SCOPES]: 'Everything you may do now, and whatever you are given later',
  [RIGHTS.myRead]: 'List and read your own personal access tokens',
  [RIGHTS.myManage]: 'Create, change and delete your own personal access tokens',
  [RIGHTS.allRead]: 'Read every identity’s personal access tokens',
  [RIGHTS.allManage]: 'Change and delete anyone’s personal access tokens, manage identities',
  [RIGHTS.managedRead]: 'Read managed personal access tokens',
  [RIGHTS.introspect]: 'Introspect any access token (for resource servers)',
  'ssf.manage': 'Open and manage a Shared Signals stream',
  'ssf.read': 'Read Shared Signals streams and poll their events',
};

export interface ScopeEntry {
  name: string;
  description: string;
}

/**
 * The scopes a PAT may name, with what each does: sp:scopes:all, the built-in rights, then the
 * deployment's own catalogue (config `scopes`) with its descriptions.
 */
export function scopeCatalogue(
  catalogue: ReadonlySet<string>,
  configured: readonly { name: string; description: string }[],
): ScopeEntry[] {
  const own = new Map(configured.map((scope) => [scope.name, scope.description]));
  const entries: ScopeEntry[] = [
    { name: ALL_SCOPES, description: BUILT_IN_DESCRIPTIONS[ALL_SCOPES]! },
  ];
  for (const name of [...catalogue].sort()) {
    entries.push({ name, description: own.get(name) || BUILT_IN_DESCRIPTIONS[name] || '' });
  }
  return entries;
}
