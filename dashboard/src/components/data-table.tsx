/**
 * A table of records as every list page draws one: scrolling sideways inside its own box on
 * narrow screens, a header row of column labels, then the rows the page renders. Number
 * columns are right-aligned (`num`), so digits line up down the column.
 */
import type { ComponentChildren, TableHTMLAttributes } from 'preact';

/** A column's label; `numeric(label)` for a column of numbers. */
export type Column = string | { label: string; numeric: true };

export function numeric(label: string): Column {
  return { label, numeric: true };
}

export interface DataTableProps extends Omit<TableHTMLAttributes<HTMLTableElement>, 'children'> {
  /** Left to right; `false` leaves a column out (one the token may not use, say). */
  columns: readonly (Column | false)[];
  /** The body's rows. */
  children: ComponentChildren;
}

export function DataTable({ columns, children, ...table }: DataTableProps) {
  return (
    <div class="table-wrap">
      <table {...table}>
        <thead>
          <tr>
            {columns.map((column) =>
              column === false ? null : typeof column === 'string' ? (
                <th scope="col">{column}</th>
              ) : (
                <th scope="col" class="num">
                  {column.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
