import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { createLastUseRecorder } from './last-use.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const log = () => ({ warn: vi.fn() }) as unknown as FastifyBaseLogger & { warn: ReturnType<typeof vi.fn> };

describe('the last use of a token', () => {
  it('is written before the request goes on, once a minute at most, counting what the row says and what this process wrote', async () => {
    const record = createLastUseRecorder('test token');
    const writes: Date[] = [];
    let finished = false;
    const write = (when: Date) => () =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          writes.push(when);
          finished = true;
          resolve();
        }),
      );
    await record({ id: 'a', lastUsedAt: null }, at(0), write(at(0)), log());
    expect(finished).toBe(true);
    await record({ id: 'a', lastUsedAt: null }, at(59), write(at(59)), log());
    await record({ id: 'b', lastUsedAt: at(30) }, at(60), write(at(60)), log());
    await record({ id: 'a', lastUsedAt: null }, at(60), write(at(60)), log());
    expect(writes).toEqual([at(0), at(60)]);
  });

  it('logs a failed write without failing the request', async () => {
    const record = createLastUseRecorder('test token');
    const logger = log();
    await expect(record({ id: 'a', lastUsedAt: null }, at(0), () => Promise.reject(new Error('connection lost')), logger)).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith({ err: expect.any(Error) }, 'test token use not recorded');
  });
});
