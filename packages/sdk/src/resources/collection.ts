import { segment, type Api, type ApiAnswer } from '../api.js';
import type { HttpRequest, RequestOptions } from '../http.js';
import { allPages, type PageOptions } from '../paging.js';

type Query = NonNullable<HttpRequest['query']>;

/**
 * What follows `{path}/{id}`: a fixed part (`rotate`), or one with its own ids filled in and the
 * template errors name instead (`{ path: 'items/rvi_…/decision', route: 'items/{itemId}/decision' }`).
 */
export type MemberPart = string | { path: string; route: string };

/** RFC 7396, the patch most of Patina's own resources take. */
const MERGE_PATCH = 'application/merge-patch+json';

export interface CollectionOptions<ListOptions extends PageOptions> {
  /** The collection's path: `GET` lists it, `POST` adds to it, `{path}/{id}` is one member. */
  path: string;
  /** The query a list sends besides `limit` and `offset` (none unless given). */
  filters?: (options: ListOptions) => Query;
}

/**
 * What the API's collections share: a list a page at a time (`list`, `iterate`) and the calls on
 * one member, `{path}/{id}` and `{path}/{id}/{action}`. A resource extends it with what is its
 * own: its path and types, the calls it offers (each a one-line method with its documentation),
 * and its list filters.
 */
export abstract class Collection<Item, ListOptions extends PageOptions = PageOptions> {
  readonly #api: Api;
  readonly #path: string;
  readonly #filters: ((options: ListOptions) => Query) | undefined;

  protected constructor(api: Api, options: CollectionOptions<ListOptions>) {
    this.#api = api;
    this.#path = options.path;
    this.#filters = options.filters;
  }

  // Every list option is optional (paging and a resource's filters), so none is a ListOptions.
  /** One page (`limit` 0..250, default 250). */
  list(options: ListOptions = {} as ListOptions): Promise<Item[]> {
    const { signal, limit, offset } = options;
    return this.#api.call({
      method: 'GET',
      path: this.#path,
      route: this.#path,
      query: { ...this.#filters?.(options), limit, offset },
      signal,
    });
  }

  /** Every item, page by page (`limit` is the page size): `for await (const item of …)`. */
  iterate(options: ListOptions = {} as ListOptions): AsyncGenerator<Item, void, undefined> {
    return allPages(options, (query) => this.list(query));
  }

  /** `POST {path}`: a new member; what comes back is the resource's to say. */
  protected createOne<T>(body: unknown, options: RequestOptions): Promise<T> {
    return this.#api.call({
      method: 'POST',
      path: this.#path,
      route: this.#path,
      json: body,
      signal: options.signal,
    });
  }

  /** `POST {path}` answering the status too: a 202 says the new member waits on someone. */
  protected createOneAnswer<T>(body: unknown, options: RequestOptions): Promise<ApiAnswer<T>> {
    return this.#api.answer({
      method: 'POST',
      path: this.#path,
      route: this.#path,
      json: body,
      signal: options.signal,
    });
  }

  /** `PATCH {path}/{id}` (RFC 7396) answering the status too: a 202 says the change waits. */
  protected patchOneAnswer<T>(
    id: string,
    patch: unknown,
    options: RequestOptions,
  ): Promise<ApiAnswer<T>> {
    return this.#api.answer({
      method: 'PATCH',
      ...this.#member(id),
      json: patch,
      contentType: MERGE_PATCH,
      signal: options.signal,
    });
  }

  /** `GET {path}/{id}`. */
  protected getOne(id: string, options: RequestOptions): Promise<Item> {
    return this.#api.call({ method: 'GET', ...this.#member(id), signal: options.signal });
  }

  /** `PATCH {path}/{id}`: an RFC 7396 merge patch unless `contentType` names another kind. */
  protected patchOne(
    id: string,
    patch: unknown,
    options: RequestOptions,
    contentType = MERGE_PATCH,
  ): Promise<Item> {
    return this.#api.call({
      method: 'PATCH',
      ...this.#member(id),
      json: patch,
      contentType,
      signal: options.signal,
    });
  }

  /** `DELETE {path}/{id}`: the answer has no body. */
  protected async deleteOne(id: string, options: RequestOptions): Promise<void> {
    await this.#api.call<undefined>({
      method: 'DELETE',
      ...this.#member(id),
      signal: options.signal,
    });
  }

  /** `POST {path}/{id}/{action}` with a JSON body. */
  protected postTo<T>(
    id: string,
    action: MemberPart,
    body: unknown,
    options: RequestOptions,
  ): Promise<T> {
    return this.#api.call({
      method: 'POST',
      ...this.#member(id, action),
      json: body,
      signal: options.signal,
    });
  }

  /**
   * `GET {path}/{id}/{part}`, e.g. one page of a member's own list; with `accept` (`text/csv`)
   * the answer is that text.
   */
  protected getFrom<T>(
    id: string,
    part: MemberPart,
    query: Query,
    options: RequestOptions,
    accept?: string,
  ): Promise<T> {
    return this.#api.call({
      method: 'GET',
      ...this.#member(id, part),
      query,
      ...(accept !== undefined && { accept }),
      signal: options.signal,
    });
  }

  /** A member's path (its id percent-encoded) and its route, the template errors name. */
  #member(id: string, part?: MemberPart): { path: string; route: string } {
    const { path, route } =
      part === undefined
        ? { path: '', route: '' }
        : typeof part === 'string'
          ? { path: `/${part}`, route: `/${part}` }
          : { path: `/${part.path}`, route: `/${part.route}` };
    return {
      path: `${this.#path}/${segment(id)}${path}`,
      route: `${this.#path}/{id}${route}`,
    };
  }
}
