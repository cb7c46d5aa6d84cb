/** True when `Intl` knows the IANA time zone name (`UTC`, `Europe/Berlin`, `America/New_York`). */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
