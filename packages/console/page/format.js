export const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');
export const seconds = (n) => (n === undefined || n === null ? '' : n < 60 ? `${Math.round(n)} s` : `${Math.floor(n / 60)} min ${Math.round(n % 60)} s`);
export const duration = (ms) => {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
};
export const percent = (r) => (r === undefined ? '–' : `${(r * 100).toFixed(1)} %`);
export const outcomeLabel = (o) => o ?? 'in progress';
