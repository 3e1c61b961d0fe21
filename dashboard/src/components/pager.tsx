/**
 * Paging by the server's cursor, as the list pages do it: the cursors of the pages seen so
 * far are a stack (Previous pops one, Next pushes the answer's `nextCursor`), kept per
 * filter, so a new filter starts again at the first page.
 */
import { useState } from 'preact/hooks';
import { formatCount } from './format.js';

export interface CursorPages {
  /** The cursor of the page to load; undefined for the first page. */
  cursor: string | undefined;
  /** The page shown, from 1. */
  number: number;
  /** Back one page; undefined on the first page. */
  previous: (() => void) | undefined;
  /** On to the page that starts at `cursor` (an answer's `nextCursor`). */
  next(cursor: string): void;
}

/** The cursor stack of the list filtered by `search` (the filter as the URL's query). */
export function useCursorPages(search: string): CursorPages {
  const [cursors, setCursors] = useState<{ search: string; stack: string[] }>({ search, stack: [] });
  // A new filter starts at the first page.
  const stack = cursors.search === search ? cursors.stack : [];
  return {
    cursor: stack[stack.length - 1],
    number: stack.length + 1,
    previous: stack.length === 0 ? undefined : () => setCursors({ search, stack: stack.slice(0, -1) }),
    next: (cursor) => setCursors({ search, stack: [...stack, cursor] }),
  };
}

/** Previous and Next under a list; Next is off until the page's answer names a next cursor. */
export function Pager({ pages, nextCursor }: { pages: CursorPages; nextCursor: string | null | undefined }) {
  return (
    <nav class="pager" aria-label="Pages">
      <span class="muted">Page {formatCount(pages.number)}</span>
      <button type="button" disabled={!pages.previous} onClick={pages.previous}>
        Previous
      </button>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>
        Next
      </button>
    </nav>
  );
}
