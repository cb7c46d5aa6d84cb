import { distance } from 'fastest-levenshtein';

/**
 * The candidate `input` was most likely meant to be, when it is close enough to be a typo: at most
 * one edit in three characters (`mised` → `missed`, `direcion` → `direction`, `Inbound` →
 * `inbound`; case is ignored). Undefined when nothing is that close, or `input` is a candidate.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.includes(input)) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance && d <= Math.max(1, Math.ceil(Math.max(input.length, candidate.length) / 3))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `did you mean "missed"?`, or undefined. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const match = closestMatch(input, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}
