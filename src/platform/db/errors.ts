// PostgreSQL reports broken constraints with SQLSTATE codes; Drizzle wraps the driver's error in `cause`.

interface DatabaseErrorShape {
  code?: string;
  constraint?: string;
  cause?: unknown;
}

function driverError(error: unknown): DatabaseErrorShape | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const shape = current as DatabaseErrorShape;
    if (typeof shape.code === 'string' && /^[0-9A-Z]{5}$/.test(shape.code)) return shape;
    current = shape.cause;
  }
  return null;
}

/** True when the error is a unique violation, of the named constraint or index when one is given. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const shape = driverError(error);
  if (shape?.code !== '23505') return false;
  return constraint === undefined || shape.constraint === constraint;
}

export function isForeignKeyViolation(error: unknown): boolean {
  return driverError(error)?.code === '23503';
}

/** The pool could not open a connection: the database is down, refusing connections or too slow to answer. */
export class DatabaseUnavailableError extends Error {}

// Connection exceptions (class 08), the server shutting down or refusing connections for now (57P0x),
// and too many connections: the database is unavailable, not the request wrong. The driver's own
// errors for a connection that dropped carry no SQLSTATE, only their message.
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300)$/;
const CONNECTION_LOST = /Connection terminated|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|timeout exceeded when trying to connect/;

/** True when the database could not be reached or dropped the connection: the same request may succeed shortly. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    const shape = current as DatabaseErrorShape & { message?: unknown };
    if (typeof shape.code === 'string' && UNAVAILABLE_STATES.test(shape.code)) return true;
    if (typeof shape.message === 'string' && CONNECTION_LOST.test(shape.message)) return true;
    current = shape.cause;
  }
  return false;
}
