import type { CompiledCatalog } from '../core/catalog.ts';
import type { Config } from './config.ts';
import type { Change } from './changes.ts';
import type { Database, DatabaseHandle, Transaction } from './db/client.ts';
import type { Logger } from './logger.ts';

/** The catalog in force, compiled; refreshed when an operator releases a new one. */
export interface CatalogSource {
  current(): Promise<CompiledCatalog>;
}

/** What every feature receives from the composition root: nothing is imported as a global. */
export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Database;
  logger: Logger;
  now: () => Date;
  catalog: CatalogSource;
  /** Asks the outbox worker to deliver now what a committed change just queued. */
  deliverSoon: () => void;
  /**
   * Runs work in a transaction; changes it announces reach every process's decision snapshots when,
   * and only if, it commits.
   */
  transaction<T>(work: (tx: Transaction, announce: (change: Change) => Promise<void>) => Promise<T>): Promise<T>;
}
