// Throughput of the --parse formats on the real test data, and of the regex
// alternatives each hand-written scanner was measured against.
//
//   npm run build && node bench/parsers.js        (DSTREAM_DIST=dir to use another build)
//
// Prints lines/s (best of 5 rounds of >= 0.3 s). Data: data/ (bundled) and
// ../shared/data (skipped when absent).
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const dist = process.env.DSTREAM_DIST ? pathToFileURL(process.env.DSTREAM_DIST + '/') : new URL('../dist/', import.meta.url);
const { createParser } = await import(new URL('parsers/index.js', dist).href);
const bundled = new URL('../data/', import.meta.url);
const shared = new URL('../../shared/data/', import.meta.url);

function lines(base, path) {
  const url = new URL(path, base);
  if (!existsSync(url)) return undefined;
  return readFileSync(url, 'utf8').split(/\r?\n/).filter((l) => l !== '');
}

function bench(label, input, makeParse) {
  if (!input) return console.log(`${label.padEnd(44)} (data absent)`);
  let best = 0;
  let errors = 0;
  let passes = 0;
  for (let round = 0; round < 5; round++) {
    const parse = makeParse();
    let n = 0;
    errors = 0;
    passes = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 0.3) {
      for (const l of input) {
        try { parse(l); } catch { errors++; }
      }
      n += input.length;
      passes++;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    best = Math.max(best, n / elapsed);
  }
  console.log(`${label.padEnd(44)} ${(best / 1e6).toFixed(2).padStart(6)} M lines/s${errors ? `  (${errors / passes} of ${input.length} lines are errors)` : ''}`);
}

// A CSV parser consumes its header once, then every pass parses rows only.
const viaParser = (spec, header) => () => {
  const p = createParser(spec);
  if (header !== undefined) p.parse(header);
  return (l) => p.parse(l);
};

// --- alternatives -----------------------------------------------------------
const Q = '"((?:[^"\\\\]|\\\\.)*)"';
const COMBINED = new RegExp(`^(\\S+) (\\S+) (.*?) \\[([^\\]]*)\\] ${Q} (\\d{3}) (\\d+|-) ${Q} ${Q}$`);
function combinedRegex(line) {
  const m = COMBINED.exec(line);
  if (!m) throw new Error('no match');
  const r = m[5];
  const a = r.indexOf(' '), b = r.lastIndexOf(' ');
  const ok = a > 0 && b > a + 1;
  const dash = (s) => (s === '-' ? null : s);
  return { remote_addr: m[1], ident: dash(m[2]), user: dash(m[3]), time: m[4], request: r,
    method: ok ? r.slice(0, a) : null, path: ok ? r.slice(a + 1, b) : null, protocol: ok ? r.slice(b + 1) : null,
    status: Number(m[6]), bytes: m[7] === '-' ? null : Number(m[7]), referrer: dash(m[8]), user_agent: dash(m[9]) };
}
const LOGFMT = /([^\s="]+)(?:=(?:"((?:[^"\\]|\\.)*)"|(\S*)))?/g;
function logfmtRegex(line) {
  const rec = {};
  LOGFMT.lastIndex = 0;
  for (let m = LOGFMT.exec(line); m; m = LOGFMT.exec(line)) {
    rec[m[1]] = m[2] !== undefined ? (m[2].includes('\\') ? JSON.parse(`"${m[2]}"`) : m[2]) : m[3] ?? true;
  }
  return rec;
}
const SYSLOG = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) +(\S+) +(?:([^:[ ]+)(?:\[([^\]]*)\])?: ?)?(.*)$/;
const MONTHS = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
function syslogRegex(line) {
  const m = SYSLOG.exec(line);
  if (!m) throw new Error('no match');
  const now = Date.now();
  let y = new Date(now).getUTCFullYear();
  const mo = MONTHS[m[2]];
  if (Date.UTC(y, mo, +m[3], +m[4], +m[5], +m[6]) > now + 86_400_000) y--;
  const rec = {};
  if (m[1] !== undefined) { const p = +m[1]; rec.pri = p; rec.facility = p >> 3; rec.severity = p & 7; }
  rec.timestamp = `${y}-${String(mo + 1).padStart(2, '0')}-${m[3].padStart(2, '0')}T${m[4]}:${m[5]}:${m[6]}`;
  rec.host = m[7]; rec.app = m[8] ?? null; rec.pid = m[9] ?? null; rec.message = m[10];
  return rec;
}
// --- data ---------------------------------------------------------------------
const apache = lines(bundled, 'elastic-examples/apache_logs');
const combinedParser = createParser('combined');
const logfmtLines = apache?.flatMap((l) => {
  try {
    const r = combinedParser.parse(l);
    return [Object.entries(r).map(([k, v]) => (v === null ? k : `${k}=${/[\s"=\\]/.test(String(v)) || v === '' ? JSON.stringify(String(v)) : v}`)).join(' ')];
  } catch { return []; }
});
const syslogLines = ['elastic-examples/auth.log', 'loghub/Linux/Linux_2k.log', 'loghub/OpenSSH/OpenSSH_2k.log']
  .map((p) => lines(shared, p)).reduce((a, b) => (a && b ? a.concat(b) : undefined), []);
const tweetsCsv = lines(shared, 'fivethirtyeight/mayweather_mcgregor_tweets.csv');
const csvRows = tweetsCsv?.slice(1);

bench('json     weird.json', lines(shared, 'zed-sample-data/weird.json'), viaParser('json'));
bench('json     nginxplus_json_logs', lines(shared, 'elastic-examples/nginxplus_json_logs'), viaParser('json'));
bench('logfmt   apache_logs as logfmt (scanner)', logfmtLines, viaParser('logfmt'));
bench('logfmt   apache_logs as logfmt (regex)', logfmtLines, () => logfmtRegex);
// Records span lines (quoted line breaks): the parser joins them and hands each record to Papa Parse.
bench('csv      tweets, every line (Papa Parse)', csvRows, viaParser('csv', tweetsCsv?.[0]));
bench('combined apache_logs (scanner)', apache, viaParser('combined'));
bench('combined apache_logs (regex)', apache, () => combinedRegex);
bench('syslog   auth+Linux+OpenSSH (scanner)', syslogLines, viaParser('syslog'));
bench('syslog   auth+Linux+OpenSSH (regex)', syslogLines, () => syslogRegex);
bench('syslog   auth+Linux+OpenSSH (scanner, --year)', syslogLines, () => { const p = createParser('syslog', { year: 2017 }); return (l) => p.parse(l); });
bench('regex    apache_logs, 5 named groups', apache,
  viaParser('regex:^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<request>[^"]*)" (?<status>\\d{3}) (?<bytes>\\S+)'));
