import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './database.js';
import { dialectOf, type DialectName } from './dialect.js';

/** Stands in for a named parameter while a query is built; never sent to a database. */
const MARK = '\u0000patina-parameter:';

type Slot = { name: string } | { constant: unknown };

/** `p('name')` in a CompiledStatement's build: the named parameter of type `P['name']`. */
export type Param<P> = <K extends keyof P & string>(name: K) => P[K];

interface Compiled<Row> {
  query: CompiledQuery<Row>;
  slots: Slot[];
}

/**
 * A query of a hot path, built and compiled by Kysely once per dialect and then run with new
 * parameter values. Building and compiling a Kysely query is ~15-40 µs of JavaScript per request
 * (docs/benchmarks.md, "Where the CPU goes"); the SQL text is the same every time, and the
 * database's prepared statement is already reused by that text.
 *
 * `build` receives `p(name)`, a marker for a named parameter; every other value in the query is
 * a constant of it. The compiled query's parameters are matched back to their names, so the
 * values are bound in whatever order the dialect's SQL wants them.
 */
export class CompiledStatement<Params extends object, Row> {
  readonly #byDialect = new Map<DialectName, Compiled<Row>>();

  constructor(private readonly build: (db: Db, p: Param<Params>) => Compilable<Row>) {}

  /** Runs on `db`, a plain connection or a transaction, and returns the rows. */
  async execute(db: Db, params: Params): Promise<Row[]> {
    const { query, slots } = this.#compiled(db);
    const values = params as Record<string, unknown>;
    const parameters = slots.map((slot) => ('name' in slot ? values[slot.name] : slot.constant));
    const result = await db.executeQuery<Row>({ ...query, parameters });
    return result.rows;
  }

  #compiled(db: Db): Compiled<Row> {
    const dialect = dialectOf(db);
    let compiled = this.#byDialect.get(dialect);
    if (!compiled) {
      const marker = (name: string) => `${MARK}${name}` as never;
      const query = this.build(db, marker).compile();
      const slots = query.parameters.map((value): Slot => {
        if (typeof value === 'string' && value.startsWith(MARK)) {
          return { name: value.slice(MARK.length) };
        }
        return { constant: value };
      });
      compiled = { query, slots };
      this.#byDialect.set(dialect, compiled);
    }
    return compiled;
  }
}
