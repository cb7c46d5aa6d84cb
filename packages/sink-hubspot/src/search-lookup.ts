import type { HubSpotClient, HubSpotObject, SearchFilter, SearchRequest } from './hubspot-client.js';

// HubSpot's search limits ("Search the CRM", Limits): five filterGroups (any may match), six
// filters each, 18 in all; at most 200 results a page; a body of at most 3,000 characters (else
// 400); no paging past 10,000 results.
const MAX_FILTER_GROUPS = 5;
export const MAX_SEARCH_PAGE = 200;
const MAX_SEARCH_BODY_CHARS = 3000;
const MAX_SEARCH_RESULTS = 10_000;
/**
 * Values per `IN` filter. HubSpot documents no limit of its own (the 3,000-character body is the
 * bound that applies); this keeps one filter to a size HubSpot's own examples stay far below.
 */
const MAX_IN_VALUES = 100;

/**
 * Filter groups matching objects whose `properties` hold any of `values`: one `EQ` group per
 * property and value while they fit in HubSpot's five groups (what the sink sent before batching,
 * and the exact match HubSpot documents for strings), else one `IN` group per property. `IN`
 * wants its string values lowercase ("the searched values must be lowercase"); `EQ` ignores case.
 */
export function anyOf(properties: readonly string[], values: readonly string[]): SearchRequest['filterGroups'] {
  if (properties.length * values.length <= MAX_FILTER_GROUPS) {
    return properties.flatMap((propertyName) => values.map((value) => ({ filters: [{ propertyName, operator: 'EQ', value }] })));
  }
  const lowercase = [...new Set(values.map((v) => v.toLowerCase()))];
  return properties.map((propertyName): { filters: SearchFilter[] } => ({ filters: [{ propertyName, operator: 'IN', values: lowercase }] }));
}

/** How to find the object of each item of a batch with as few searches as HubSpot's limits allow. */
export interface Lookup<T> {
  /** The values that find the item's object; all of an item's values go into the same search. */
  values(item: T): string[];
  /** The search for these values, one page of `limit` results, in the order that decides which object wins. */
  request(values: string[], limit: number): SearchRequest;
  /** Whether a found object is the item's (a search over several items' values finds all of theirs). */
  matches(object: HubSpotObject, item: T): boolean;
}

/**
 * For each item, the first object of the search order that is the item's: the searches cover many
 * items at once (as many as fit in one request body), and page on only while items are left
 * undecided. After a page that decided some items, the search is narrowed to the others instead of
 * paged, so a number shared by hundreds of contacts costs one page, not hundreds. A search for a
 * single item takes whatever HubSpot matched (HubSpot's matching of phone numbers is looser than
 * {@link Lookup.matches} can know). Throws what the client throws.
 */
export async function firstMatches<T>(
  client: HubSpotClient, type: 'contacts' | 'calls', items: readonly T[], lookup: Lookup<T>, signal: AbortSignal, action: string,
): Promise<Map<T, HubSpotObject>> {
  const found = new Map<T, HubSpotObject>();
  for (const chunk of requestChunks(items, lookup)) {
    let pending = chunk;
    let after: string | undefined;
    while (pending.length > 0) {
      const limit = pending.length === 1 ? 1 : MAX_SEARCH_PAGE;
      const request = { ...lookup.request(valuesOf(pending, lookup), limit), ...(after ? { after } : {}) };
      const page = await client.searchPage(type, request, signal, action);
      for (const item of pending) {
        const first = pending.length === 1 ? page.results[0] : page.results.find((object) => lookup.matches(object, item));
        if (first) found.set(item, first);
      }
      const decided = pending.filter((item) => found.has(item)).length;
      pending = pending.filter((item) => !found.has(item));
      if (page.next === undefined || Number(page.next) + limit > MAX_SEARCH_RESULTS) break;
      after = decided > 0 ? undefined : page.next;
    }
  }
  return found;
}

function valuesOf<T>(items: readonly T[], lookup: Lookup<T>): string[] {
  return [...new Set(items.flatMap((item) => lookup.values(item)))];
}

/** Items grouped so that each group's search body stays within HubSpot's 3,000 characters. */
function requestChunks<T>(items: readonly T[], lookup: Lookup<T>): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  const fits = (group: T[]): boolean => {
    const values = valuesOf(group, lookup);
    // Room left for the `after` cursor of a later page.
    return values.length <= MAX_IN_VALUES && JSON.stringify(lookup.request(values, MAX_SEARCH_PAGE)).length <= MAX_SEARCH_BODY_CHARS - 32;
  };
  for (const item of items) {
    if (current.length > 0 && !fits([...current, item])) {
      chunks.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
