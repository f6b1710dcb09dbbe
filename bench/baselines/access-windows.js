/**
 * Shared by the windowed access-log baselines: the event time of a line (the
 * `[17/May/2015:10:05:03 +0000]` field, parsed by hand: Date cannot parse it)
 * and the output of counts per (window, status).
 */
const MONTHS = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** Epoch ms of an Apache time such as `17/May/2015:10:05:03 +0000`. */
export function apacheTime(s) {
  const utc = Date.UTC(+s.slice(7, 11), MONTHS[s.slice(3, 6)], +s.slice(0, 2), +s.slice(12, 14), +s.slice(15, 17), +s.slice(18, 20));
  const offsetMin = (+s.slice(22, 24) * 60 + +s.slice(24, 26)) * (s[21] === '-' ? -1 : 1);
  return utc - offsetMin * 60000;
}

/** Epoch ms of the bracketed time of an access-log line. */
export function lineTime(line) {
  return apacheTime(line.slice(line.indexOf('[') + 1, line.indexOf(']')));
}

/** Prints a Map `"windowStart status" → count` as `windowStart(ISO 8601 UTC)<TAB>status<TAB>count` lines. */
export function printWindowCounts(counts) {
  let out = '';
  for (const [key, n] of counts) {
    const [start, status] = key.split(' ');
    out += `${new Date(+start).toISOString()}\t${status}\t${n}\n`;
  }
  process.stdout.write(out);
}
