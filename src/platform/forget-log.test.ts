import { describe, expect, it } from 'vitest';
import { ForgetLog } from './forget-log.ts';

describe('the forget log', () => {
  it('keeps a read when nothing was forgotten while it ran', () => {
    const log = new ForgetLog<string>();
    log.forgot((key) => key === 'alice');
    const mark = log.mark();
    expect(log.keeps(mark, 'alice')).toBe(true);
  });

  it('drops a read whose key was forgotten while it ran, and only that one', () => {
    const log = new ForgetLog<string>();
    const mark = log.mark();
    log.forgot((key) => key === 'alice');
    expect(log.keeps(mark, 'alice')).toBe(false);
    expect(log.keeps(mark, 'bob')).toBe(true);
    expect(log.keeps(log.mark(), 'alice')).toBe(true);
  });

  it('drops every read in flight when everything is forgotten', () => {
    const log = new ForgetLog<string>();
    const mark = log.mark();
    log.forgot();
    expect(log.keeps(mark, 'bob')).toBe(false);
  });

  it('drops a read that spans more forgets than it remembers', () => {
    const log = new ForgetLog<string>(2);
    const mark = log.mark();
    log.forgot((key) => key === 'alice');
    log.forgot((key) => key === 'bob');
    expect(log.keeps(mark, 'carol')).toBe(true);
    log.forgot((key) => key === 'dan');
    expect(log.keeps(mark, 'carol')).toBe(false);
    expect(log.keeps(log.mark() - 2, 'carol')).toBe(true);
  });
});
