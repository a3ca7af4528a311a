import type { Child } from "hono/jsx";

/** A table of records, a row each; nothing at all when there are none (the card says so in its own words). */
export function RowsTable<T>(props: {
  id?: string;
  class?: string;
  /** Column headings; an empty string for a column of buttons. Without them, a table with no head. */
  headings?: string[];
  rows: T[];
  cells: (row: T) => Child;
}) {
  if (props.rows.length === 0) return null;
  return (
    <table id={props.id} class={props.class}>
      {props.headings ? (
        <thead>
          <tr>{props.headings.map((heading) => (heading ? <th>{heading}</th> : <th />))}</tr>
        </thead>
      ) : null}
      <tbody>
        {props.rows.map((row) => (
          <tr>{props.cells(row)}</tr>
        ))}
      </tbody>
    </table>
  );
}
