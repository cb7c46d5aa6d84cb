/**
 * Readers for loosely typed ImpactPBX fields (shared with the other sources, in core): numbers as
 * JSON numbers or text, keys in another casing, times as ISO text or Unix epochs (`*_uepoch`).
 */
export {
  fieldKeyForm as keyForm, pickField as pick, hasField as has, fieldText as text, fieldInt as int, fieldBool as bool, fieldTime as time,
} from '@callrelay/core';

/** Whole seconds from one ISO time to another, when both are known and in order. */
export function secondsBetween(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  const diff = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(diff) && diff >= 0 ? Math.round(diff) : undefined;
}
