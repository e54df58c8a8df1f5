import { ADMIN_BASE, type SsfStream } from '@patina/contract';
import { segment, type Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { allPages, type PageOptions } from '../paging.js';

const PATH = `${ADMIN_BASE}/ssf-streams`;

/**
 * Every client's Shared Signals streams, for administrators (all-read to list, all-manage to
 * delete). A receiver manages its own streams through the SSF endpoints, not through this.
 */
export class SsfStreams {
  constructor(private readonly api: Api) {}

  /** One page of streams, oldest first. */
  list(options: PageOptions = {}): Promise<SsfStream[]> {
    const { signal, limit, offset } = options;
    return this.api.call({
      method: 'GET',
      path: PATH,
      route: PATH,
      query: { limit, offset },
      signal,
    });
  }

  iterate(options: PageOptions = {}): AsyncGenerator<SsfStream, void, undefined> {
    return allPages(options, (query) => this.list(query));
  }

  /** Deletes the stream and the SETs it is still owed; its receiver gets nothing more. */
  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.api.call<undefined>({
      method: 'DELETE',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      signal: options.signal,
    });
  }
}
