import type { ReactNode } from 'react';

// The one table of the console: column headers for screen readers, and at narrow widths each row
// stacks into a card whose cells carry their column's name (data-label, see styles.css).

export interface Column<T> {
  key: string;
  header: string;
  cell: (row: T) => ReactNode;
  /** Hide the header text visually (e.g. an actions column); screen readers still read it. */
  hiddenHeader?: boolean;
  className?: string;
}

interface DataTableProps<T> {
  /** What the table lists, for screen readers. */
  label: string;
  columns: Column<T>[];
  rows: readonly T[];
  /** A key unique among the rows; rows without an identity of their own may add their position. */
  rowKey: (row: T, index: number) => string;
  /** Shown in place of the rows when there is none. */
  empty?: ReactNode;
  className?: string;
}

export function DataTable<T>({ label, columns, rows, rowKey, empty, className }: DataTableProps<T>) {
  return (
    <table className={`table table-stacking${className ? ` ${className}` : ''}`} aria-label={label}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.key} scope="col" className={column.className}>
              {column.hiddenHeader ? <span className="visually-hidden">{column.header}</span> : column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={rowKey(row, index)}>
            {columns.map((column) => (
              <td key={column.key} className={column.className} data-label={column.hiddenHeader ? undefined : column.header}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
        {rows.length === 0 && empty !== undefined ? (
          <tr>
            <td colSpan={columns.length} className="muted empty">
              {empty}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}
