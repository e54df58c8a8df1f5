import {
  SCIM_ADMIN_PATHS,
  type ScimConfigResponse,
  type ScimEvent,
  type ScimEventsQuery,
} from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';

export type ScimEventsOptions = ScimEventsQuery & RequestOptions;

/**
 * The SCIM 2.0 service the organisation's directory provisions identities through (docs/scim.md):
 * its setup and its recent requests (administration API, all-read). The directory itself calls
 * /scim/v2 with its own token, not through this client.
 */
export class Scim {
  constructor(private readonly api: Api) {}

  /** The base URL to paste into Okta or Entra ID, and the right the directory's PAT needs. */
  config(options: RequestOptions = {}): Promise<ScimConfigResponse> {
    const path = SCIM_ADMIN_PATHS.config;
    return this.api.call({ method: 'GET', path, route: path, signal: options.signal });
  }

  /** The directory's latest requests and how each ended, newest first (default 50). */
  events(options: ScimEventsOptions = {}): Promise<ScimEvent[]> {
    const { limit, signal } = options;
    const path = SCIM_ADMIN_PATHS.events;
    return this.api.call({ method: 'GET', path, route: path, query: { limit }, signal });
  }
}
