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
