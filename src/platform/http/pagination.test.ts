import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cursors, encodeCursor } from './pagination.ts';

describe('the cursor codec', () => {
  it('gives back the key it encoded', () => {
    const key = ['2026-12-01T10:00:00.000Z', randomUUID()];
    expect(cursors.newestFirst.decode(encodeCursor(key))).toEqual(key);
    expect(cursors.newestFirst.decode(undefined)).toBeNull();
  });

  it('refuses times JavaScript writes back but PostgreSQL does not take: year 0, six-digit years', () => {
    for (const time of ['0000-12-31T23:59:59.999Z', '+010000-01-01T00:00:00.000Z', '-000001-01-01T00:00:00.000Z', '2026-12-01T10:00:00Z']) {
      expect(() => cursors.newestFirst.decode(encodeCursor([time, randomUUID()])), time).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    }
  });
});
