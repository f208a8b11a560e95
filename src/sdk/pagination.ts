/** One page of a list: its items and the token of the next page (empty or absent on the last page). */
export interface Page<Item> {
  items: Item[];
  nextPageToken: string | undefined;
}

/** Empty pages in a row after which a list that keeps handing out tokens is given up. */
const MAX_EMPTY_PAGES_IN_ROW = 50;

/**
 * Yields the items of every page, reading each page only when the previous one is used
 * up. Stops at the first empty or absent `nextPageToken`. A token that comes back a
 * second time would loop forever, so it raises an error instead.
 */
export async function* iteratePages<Item>(readPage: (pageToken: string | undefined) => Promise<Page<Item>>, listName: string): AsyncGenerator<Item, void, undefined> {
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  let emptyPagesInRow = 0;
  for (;;) {
    const page = await readPage(pageToken);
    yield* page.items;
    emptyPagesInRow = page.items.length === 0 ? emptyPagesInRow + 1 : 0;
    const next = page.nextPageToken;
    if (emptyPagesInRow >= MAX_EMPTY_PAGES_IN_ROW && next !== undefined && next !== '') {
      throw new Error(`Listing ${listName} returned ${emptyPagesInRow} empty pages in a row, each with a new page token; stopped to avoid an endless loop.`);
    }
    if (next === undefined || next === '') {
      return;
    }
    if (seenTokens.has(next)) {
      throw new Error(`Listing ${listName} returned the page token ${JSON.stringify(next)} a second time; stopped to avoid an endless loop.`);
    }
    seenTokens.add(next);
    pageToken = next;
  }
}
