import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Secrets never reach the log: request headers that carry them and any field that names them are redacted.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.secret',
];

// A failed query must not carry its data into the log: Drizzle's error holds the parameters (in
// `params` and in its message and stack), PostgreSQL's echoes row values (`detail`, `where`) and
// sometimes a parameter in its message. Errors are logged with the query's text only.
const QUERY_DATA_KEYS = new Set(['params', 'parameters', 'detail', 'where', 'internalQuery']);
const MAX_CAUSES = 5;

function queryParametersOf(error: unknown): string[] {
  const found: string[] = [];
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < MAX_CAUSES; current = (current as { cause?: unknown }).cause, depth++) {
    const params = (current as { params?: unknown }).params;
    if (Array.isArray(params)) found.push(...params.map((param) => (param instanceof Date ? param.toISOString() : String(param))).filter((param) => param.length >= 3));
  }
  // Longest first, so a value that holds another is removed whole.
  return found.sort((a, b) => b.length - a.length);
}

function withoutParameters(text: string, parameters: string[]): string {
  // Drizzle appends "\nparams: a,b,c" to the message, and so to the stack's first lines.
  let cleaned = text.replace(/\nparams: [\s\S]*?(?=\n\s+at |$)/g, '');
  for (const parameter of parameters) cleaned = cleaned.split(parameter).join('[redacted]');
  return cleaned;
}

function scrubbed(error: Error, parameters: string[], depth: number): Error {
  const copy = new Error(withoutParameters(error.message, parameters));
  Object.defineProperty(copy, 'name', { value: error.name, enumerable: false, writable: true });
  copy.stack = error.stack === undefined ? undefined : withoutParameters(error.stack, parameters);
  for (const [key, value] of Object.entries(error)) {
    if (QUERY_DATA_KEYS.has(key) || key === 'cause' || key === 'message' || key === 'stack' || key === 'name') continue;
    (copy as unknown as Record<string, unknown>)[key] = typeof value === 'string' ? withoutParameters(value, parameters) : value;
  }
  if (error.cause instanceof Error && depth < MAX_CAUSES) copy.cause = scrubbed(error.cause, parameters, depth + 1);
  return copy;
}

/** pino's error serializer, on a copy of the error without the data of a failed query. */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return pino.stdSerializers.err(error as Error);
  try {
    const serialized = pino.stdSerializers.err(scrubbed(error, queryParametersOf(error), 0));
    serialized.type = error.constructor.name;
    return serialized;
  } catch {
    // Never lose the log line, nor fall back to the raw error, over an error of unusual shape.
    return { type: error.constructor.name, message: 'the error could not be written without its data' };
  }
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { err: serializeError } }, destination);
}
