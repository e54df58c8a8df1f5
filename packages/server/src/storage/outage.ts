import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { PatinaError } from '../core/errors.js';
import { isUnavailable } from './dialect.js';

/**
 * The domain error of a database that cannot be reached right now: a 503 that may be retried in a
 * second. The message is for people reading logs and start failures; the driver's own error,
 * which names the host and the code, is its cause.
 */
export function databaseUnavailable(cause: unknown): PatinaError {
  return new PatinaError('UNAVAILABLE', 'The database is unavailable', {
    cause,
    retryAfterSeconds: 1,
  });
}

/** An outage as the domain error; anything else (a unique violation, a bug) left as it is. */
function asOutage(error: unknown): unknown {
  if (error instanceof PatinaError) return error;
  return isUnavailable(error) ? databaseUnavailable(error) : error;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asOutage(error);
  }
}

/**
 * Where storage is entered: every connection, statement and transaction step Kysely runs goes
 * through its dialect's driver, so wrapping the driver classifies outages once for every
 * repository, transaction and migration. Services above see PatinaError('UNAVAILABLE') and never
 * ask the driver's error codes.
 */
export function reportingOutages(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => new OutageReportingDriver(dialect.createDriver()),
  };
}

/** A driver's connection; the driver itself is handed the connection it made. */
class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return guarded(() => this.inner.executeQuery<R>(query));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number) {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw asOutage(error);
    }
  }
}

type Compile = QueryCompiler['compileQuery'];

class OutageReportingDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return guarded(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GuardedConnection(await guarded(() => this.inner.acquireConnection()));
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return guarded(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return guarded(() => this.inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return guarded(() => this.inner.rollbackTransaction(unwrap(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    const step = this.inner.savepoint?.bind(this.inner);
    return guarded(() => supported(step, 'savepoint')(unwrap(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Compile) {
    const step = this.inner.rollbackToSavepoint?.bind(this.inner);
    return guarded(() => supported(step, 'rollbackToSavepoint')(unwrap(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: Compile) {
    const step = this.inner.releaseSavepoint?.bind(this.inner);
    return guarded(() => supported(step, 'releaseSavepoint')(unwrap(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof GuardedConnection ? connection.inner : connection;
}

function supported<F>(step: F | undefined, name: string): F {
  if (!step) throw new Error(`The database driver does not support ${name}`);
  return step;
}
