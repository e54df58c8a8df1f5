import { ADMIN_BASE, type Overview } from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';

const PATH = `${ADMIN_BASE}/overview`;

/** The console's overview: live PATs by last use and expiry week, exchanges per day. */
export class OverviewResource {
  constructor(private readonly api: Api) {}

  /** Counted at the answer's `generatedAt`, in UTC days (all-read). */
  get(options: RequestOptions = {}): Promise<Overview> {
    return this.api.call({ method: 'GET', path: PATH, route: PATH, signal: options.signal });
  }
}
