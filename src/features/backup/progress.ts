// A progress bar for export and import, on stderr and only when it is a terminal: stdout carries the
// export itself, and a log or a pipe wants no carriage returns.

export interface Progress {
  /** Counts rows of a table as they are written. */
  add(table: string, rows: number): void;
  done(): void;
}

const WIDTH = 24;

export const noProgress: Progress = { add: () => undefined, done: () => undefined };

/** Rows per table against the totals the export counted in its snapshot. */
export function terminalProgress(stream: NodeJS.WriteStream, totals: Readonly<Record<string, number>>, verb: string): Progress {
  if (!stream.isTTY) return noProgress;
  const total = Object.values(totals).reduce((sum, count) => sum + count, 0);
  const byTable = new Map<string, number>();
  let all = 0;
  let drawnAt = 0;
  const number = (value: number) => value.toLocaleString('en');
  const draw = (table: string) => {
    const share = total === 0 ? 1 : all / total;
    const filled = Math.round(share * WIDTH);
    const tableLine = `${table} ${number(byTable.get(table) ?? 0)}/${number(totals[table] ?? 0)}`;
    stream.write(`\r\x1b[K${verb} [${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${number(all)}/${number(total)} rows · ${tableLine}`);
  };
  let last = '';
  return {
    add(table, rows) {
      byTable.set(table, (byTable.get(table) ?? 0) + rows);
      all += rows;
      last = table;
      // A terminal redrawn ten times a second is enough to watch, and costs nothing.
      const now = Date.now();
      if (now - drawnAt >= 100) {
        drawnAt = now;
        draw(table);
      }
    },
    done() {
      if (last !== '') draw(last);
      stream.write('\n');
      for (const [table, rows] of byTable) stream.write(`  ${table}: ${number(rows)}\n`);
    },
  };
}
