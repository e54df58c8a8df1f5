import { ADMIN_BASE, type SsfStream } from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { Collection } from './collection.js';

/**
 * Every client's Shared Signals streams, for administrators (all-read to list, all-manage to
 * delete), listed oldest first. A receiver manages its own streams through the SSF endpoints, not
 * through this.
 */
export class SsfStreams extends Collection<SsfStream> {
  constructor(api: Api) {
    super(api, { path: `${ADMIN_BASE}/ssf-streams` });
  }

  /** Deletes the stream and the SETs it is still owed; its receiver gets nothing more. */
  delete(id: string, options: RequestOptions = {}): Promise<void> {
    return this.deleteOne(id, options);
  }
}
