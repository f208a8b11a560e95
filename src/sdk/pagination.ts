/** One page of a list: its items and the token of the next page (empty or absent on the last page). */
export interface Page<Item> {
  items: Item[];
  nextPageToken: string | undefined;
}

/**
 * Yields the items of every page, reading each page only when the previous one is used
 * up. Stops at the first empty or absent `nextPageToken`. A token that comes back a
 * second time would loop forever, so it raises an error instead.
 */
export async function* iteratePages<Item>(readPage: (pageToken: string | undefined) => Promise<Page<Item>>, listName: string): AsyncGenerator<Item, void, undefined> {
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  for (;;) {
    const page = await readPage(pageToken);
    yield* page.items;
    const next = page.nextPageToken;
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
