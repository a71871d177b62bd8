import { describe, expect, it } from 'vitest';
import { terminalProgress } from './progress.ts';

// The progress bar of export and import: drawn on a terminal only, rows per table against the totals.

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
}

describe('the progress bar', () => {
  it('draws rows per table against the totals (at most ten times a second), then a line per table', () => {
    const terminal = stream(true);
    const progress = terminalProgress(terminal.stream, { users: 3, sessions: 1 }, 'export');
    progress.add('users', 2);
    progress.add('users', 1);
    progress.add('sessions', 1);
    progress.done();
    const text = terminal.written.join('');
    expect(text).toContain('\r\x1b[Kexport [############            ] 2/4 rows · users 2/3');
    expect(text).toContain('\r\x1b[Kexport [########################] 4/4 rows · sessions 1/1\n');
    expect(text.endsWith('  users: 3\n  sessions: 1\n')).toBe(true);
  });

  it('writes nothing when stderr is not a terminal (a log, a pipe)', () => {
    const pipe = stream(false);
    const progress = terminalProgress(pipe.stream, { users: 3 }, 'import');
    progress.add('users', 3);
    progress.done();
    expect(pipe.written).toEqual([]);
  });
});
