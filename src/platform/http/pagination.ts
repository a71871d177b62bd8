import { Problem } from './problems.ts';

// Lists page by keyset: the cursor carries the sort key of the last item, opaque to clients.
// A cursor comes back from the client, so it is input like any other: decoding checks every part
// against the list's key shape before it reaches a query, and refuses anything we did not make.

type CursorPart = 'timestamp' | 'id' | 'text';
type PartValue<P extends CursorPart> = P extends CursorPart ? string : never;
type KeyOf<Parts extends readonly CursorPart[]> = { [I in keyof Parts]: PartValue<Parts[I]> };

/** The times we write: four-digit years from 1 on, as PostgreSQL takes them (no year 0, no ±six-digit years). */
const ISO_TIME = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What PostgreSQL or the JSON round trip would not take back: NUL and unpaired surrogates. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_TEXT = 256;

const VALID: Record<CursorPart, (value: string) => boolean> = {
  timestamp: (value) => {
    const time = Date.parse(value);
    return ISO_TIME.test(value) && Number.isFinite(time) && new Date(time).toISOString() === value;
  },
  id: (value) => UUID.test(value),
  text: (value) => value.length <= MAX_TEXT && !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value),
};

export const invalidCursor = () =>
  new Problem('invalid_cursor', { en: 'The cursor is not one this list gave', fr: "Ce curseur n'a pas été donné par cette liste" }, { errors: [{ field: 'cursor', code: 'invalid_cursor', message: 'is not a cursor from this list' }] });

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export interface CursorCodec<Key> {
  /** The key after which the next page starts; null without a cursor; 400 invalid_cursor for one we did not make. */
  decode(cursor: string | undefined): Key | null;
}

export function cursorCodec<const Parts extends readonly CursorPart[]>(parts: Parts): CursorCodec<KeyOf<Parts>> {
  return {
    decode(cursor) {
      if (cursor === undefined) return null;
      let key: unknown;
      try {
        key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw invalidCursor();
      }
      const valid =
        Array.isArray(key) &&
        key.length === parts.length &&
        key.every((part: unknown, index) => typeof part === 'string' && VALID[parts[index] as CursorPart](part)) &&
        // Only the exact text we encode: no padding, spacing or other spellings of the same key.
        encodeCursor(key as string[]) === cursor;
      if (!valid) throw invalidCursor();
      return key as KeyOf<Parts>;
    },
  };
}

/** The key shapes of our lists. */
export const cursors = {
  /** Newest first by (time, id): audit events, accesses, Transfer Box, requests. */
  newestFirst: cursorCodec(['timestamp', 'id']),
  /** By (lower-cased login, id): users, API accounts. */
  byLogin: cursorCodec(['text', 'id']),
  /** By licence code. */
  byCode: cursorCodec(['text']),
};

/** Fetch one more than asked: its presence says there is a next page. */
export function pageOf<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, keyOf: (row: Row) => (string | number)[]) {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown[shown.length - 1];
  return { items: shown.map(toItem), nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
