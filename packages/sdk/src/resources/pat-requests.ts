import {
  PAT_REQUESTS_PATH,
  type ApprovePatRequestBody,
  type DenyPatRequestBody,
  type PatinaCreatePatResponse,
  type PatRequest,
  type PatRequestStatus,
} from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import type { PageOptions } from '../paging.js';
import { Collection } from './collection.js';

export interface ListPatRequestsOptions extends PageOptions {
  /** Only requests in this status (`PENDING`: what waits on the caller or for the caller). */
  status?: PatRequestStatus | Lowercase<PatRequestStatus>;
}

/**
 * Requests for a PAT with a sensitive scope (config `approval.rules`), or for such a scope added
 * to a PAT: `/patina/v1/pat-requests`. A list holds what the caller may decide and what the caller
 * asked for. An approver approves or denies (never the requester, never for their own PAT); on
 * approval of a CREATE the PAT is made and its requester fetches the secret once.
 */
export class PatRequests extends Collection<PatRequest, ListPatRequestsOptions> {
  constructor(api: Api) {
    super(api, { path: PAT_REQUESTS_PATH, filters: ({ status }) => ({ status }) });
  }

  get(id: string, options: RequestOptions = {}): Promise<PatRequest> {
    return this.getOne(id, options);
  }

  /** Says yes (the request must be PENDING, else 409 STATE_CONFLICT); a CREATE makes the PAT. */
  approve(
    id: string,
    body: ApprovePatRequestBody = {},
    options: RequestOptions = {},
  ): Promise<PatRequest> {
    return this.postTo(id, 'approve', body, options);
  }

  /** Says no, with a comment the requester reads; nothing is made. */
  deny(id: string, body: DenyPatRequestBody, options: RequestOptions = {}): Promise<PatRequest> {
    return this.postTo(id, 'deny', body, options);
  }

  /**
   * The approved PAT with its secret, for its requester: once (the request is then FULFILLED; a
   * second call is a 409 STATE_CONFLICT), before `secretAvailableUntil`.
   */
  fetchSecret(id: string, options: RequestOptions = {}): Promise<PatinaCreatePatResponse> {
    return this.postTo(id, 'secret', {}, options);
  }
}
