import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../core/catalog.ts';
import { DEFAULT_CATALOG } from '../../core/default-catalog.ts';
import type { Database } from '../../platform/db/client.ts';
import { createCatalogSource } from './service.ts';

// Each process keeps the catalog in force; a release announced while it was being read must be read
// again on the next use, and an older answer that arrives late must not replace a newer one.

type Release = { id: number; catalog: Catalog };
const release = (id: number): Release => ({ id, catalog: { ...DEFAULT_CATALOG, categories: DEFAULT_CATALOG.categories.slice(0, id) } });

function pacedSource() {
  const reads: Array<(answer: Release) => void> = [];
  const source = createCatalogSource(null as unknown as Database, () => 0, () => new Promise<Release>((resolve) => reads.push(resolve)));
  return { source, reads };
}

describe('the catalog source of a process', () => {
  it('keeps the catalog it read until a release is announced', async () => {
    const { source, reads } = pacedSource();
    const first = source.current();
    reads.shift()?.(release(1));
    const catalog = await first;
    expect(await source.current()).toBe(catalog);
    expect(reads).toHaveLength(0);
    source.forget();
    const next = source.current();
    expect(reads).toHaveLength(1);
    reads.shift()?.(release(2));
    expect(await next).not.toBe(catalog);
  });

  it('reads again after a release announced while it was reading', async () => {
    const { source, reads } = pacedSource();
    const inFlight = source.current();
    source.forget();
    reads.shift()?.(release(1));
    await inFlight;
    const next = source.current();
    expect(reads).toHaveLength(1);
    reads.shift()?.(release(2));
    await next;
    await source.current();
    expect(reads).toHaveLength(0);
  });

  it('does not let an older answer that came late replace a newer one', async () => {
    const { source, reads } = pacedSource();
    const slow = source.current();
    const fast = source.refresh();
    const [answerSlow, answerFast] = [reads.shift(), reads.shift()];
    answerFast?.(release(2));
    const newer = await fast;
    answerSlow?.(release(1));
    expect(await slow).toBe(newer);
    expect(await source.current()).toBe(newer);
  });
});
