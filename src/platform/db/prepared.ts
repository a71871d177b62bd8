import { createHash } from 'node:crypto';
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Executor, RawRows } from './client.ts';

const dialect = new PgDialect();

/** A value bound when a prepared statement runs: `${value('login')}` in its text. */
export const value = <Name extends string>(name: Name): Placeholder<Name> => sql.placeholder(name);

/**
 * A statement on the hottest paths (a password sign-in), its text built once instead of by Drizzle
 * on every call, and prepared by PostgreSQL once per connection under a name derived from the text
 * (no parsing or planning again, no row description to read back); the embedded database runs the
 * same text. Values are bound by name (`value('…')`) when it runs, on the database or in a
 * transaction. The answer is the driver's rows, as `executor.execute` gives them (timestamps may be
 * strings).
 *
 * Drizzle prepares its query builder's statements (`.prepare(name)`) but not a raw `sql` statement,
 * which these are (data-modifying WITH clauses); this is that, through Drizzle's own session.
 */
export class PreparedStatement<Values extends Record<string, unknown>, Row = Record<string, unknown>> {
  private readonly query: { sql: string; params: unknown[] };
  private readonly name: string;

  constructor(statement: SQL) {
    this.query = dialect.sqlToQuery(statement);
    this.name = `gatehouse_${createHash('sha256').update(this.query.sql).digest('hex').slice(0, 24)}`;
  }

  async run(executor: Executor, values: Values): Promise<Row[]> {
    const result = (await executor._.session.prepareQuery(this.query, undefined, this.name, false).execute(values)) as unknown as RawRows;
    return result.rows as Row[];
  }
}

/**
 * Parts of a statement that another one may run within its own (data-modifying WITH parts), with the
 * values they bind and their shape: the same shape, the same text.
 */
export interface StatementParts {
  shape: string;
  parts: SQL[];
  values: Record<string, unknown>;
}

/**
 * Prepared statements whose text depends on a shape (how many keys a throttle statement counts, which
 * parts ride in a sign-in's statement): one per shape, built on its first use.
 */
export class PreparedStatements<Values extends Record<string, unknown>, Row = Record<string, unknown>> {
  private readonly byShape = new Map<string, PreparedStatement<Values, Row>>();

  of(shape: string, build: () => SQL): PreparedStatement<Values, Row> {
    let statement = this.byShape.get(shape);
    if (statement === undefined) {
      statement = new PreparedStatement<Values, Row>(build());
      this.byShape.set(shape, statement);
    }
    return statement;
  }
}

/**
 * Statements made once per database (or transaction) they run on: Drizzle prepares its query
 * builder's statements on one executor. `of(executor)` gives that executor's, made on first use.
 */
export function perExecutor<Statements>(make: (executor: Executor) => Statements): { of(executor: Executor): Statements } {
  const made = new WeakMap<Executor, Statements>();
  return {
    of(executor) {
      let statements = made.get(executor);
      if (statements === undefined) {
        statements = make(executor);
        made.set(executor, statements);
      }
      return statements;
    },
  };
}
