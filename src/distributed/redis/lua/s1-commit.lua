-- KEYS: leases, s1, s2in streams… (one per key partition), then the output stream for a stateless job.
-- ARGV: unit, worker, epoch, seq, off, max, wm, eof, idle, floor, lines, late, entries, partition,
-- number of key partitions K, payload per key partition; for a stateless job then: closed, row packs….
-- One message to every key partition (or the rows to the output, tagged with the input partition and
-- `closed`), then the offset: atomic, fenced by the epoch.
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
local cur = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if cur + 1 ~= tonumber(ARGV[4]) then return 'STALE' end
local k = tonumber(ARGV[15])
for q = 1, k do
  redis.call('XADD', KEYS[2 + q], '*', 's', ARGV[14], 'n', ARGV[4], 'w', ARGV[7], 'e', ARGV[8], 'i', ARGV[9], 'd', ARGV[15 + q])
end
if #KEYS > 2 + k then
  local out, closed = KEYS[#KEYS], ARGV[16 + k]
  for i = 17 + k, #ARGV do redis.call('XADD', out, '*', 'q', ARGV[14], 'c', closed, 'r', ARGV[i]) end
  if #ARGV < 17 + k then redis.call('XADD', out, '*', 'q', ARGV[14], 'c', closed) end
end
redis.call('HSET', KEYS[2], 'seq', ARGV[4], 'off', ARGV[5], 'max', ARGV[6], 'wm', ARGV[7], 'eof', ARGV[8], 'idle', ARGV[9], 'floor', ARGV[10])
redis.call('HINCRBY', KEYS[2], 'lines', ARGV[11])
redis.call('HINCRBY', KEYS[2], 'late', ARGV[12])
redis.call('HINCRBY', KEYS[2], 'entries', ARGV[13])
redis.call('HDEL', KEYS[2], 'pseq', 'pfrom', 'pto', 'pfloor')
return 'OK'
