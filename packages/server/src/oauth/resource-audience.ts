import { resourceHasFragment, resourceNotAbsolute, resourceNotServed } from './errors.js';

/**
 * The audience of a token asked for with RFC 8707 `resource` parameters: each must be an absolute
 * URI without a fragment, and one Patina issues tokens for (§2). undefined: none was asked for.
 */
export function resourceAudience(
  resources: readonly string[],
  allowed: ReadonlySet<string>,
): string[] | undefined {
  if (resources.length === 0) return undefined;
  for (const resource of resources) {
    let url: URL | undefined;
    try {
      url = new URL(resource);
    } catch {
      url = undefined;
    }
    if (!url) {
      throw resourceNotAbsolute(resource);
    }
    if (url.hash !== '' || resource.includes('#')) {
      throw resourceHasFragment(resource);
    }
    if (!allowed.has(resource)) {
      throw resourceNotServed(resource);
    }
  }
  return [...new Set(resources)];
}
