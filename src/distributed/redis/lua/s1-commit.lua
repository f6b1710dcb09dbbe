-- KEYS: leases, s1, s2in streams…. ARGV: unit, worker, epoch, seq, off, max, wm, eof, idle, floor,
-- lines, late, entries, partition, payload per key partition.
-- One message to every key partition, then the offset: atomic, fenced by the epoch.
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
local cur = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if cur + 1 ~= tonumber(ARGV[4]) then return 'STALE' end
for i = 3, #KEYS do
  redis.call('XADD', KEYS[i], '*', 's', ARGV[14], 'n', ARGV[4], 'w', ARGV[7], 'e', ARGV[8], 'i', ARGV[9], 'd', ARGV[12 + i])
end
redis.call('HSET', KEYS[2], 'seq', ARGV[4], 'off', ARGV[5], 'max', ARGV[6], 'wm', ARGV[7], 'eof', ARGV[8], 'idle', ARGV[9], 'floor', ARGV[10])
redis.call('HINCRBY', KEYS[2], 'lines', ARGV[11])
redis.call('HINCRBY', KEYS[2], 'late', ARGV[12])
redis.call('HINCRBY', KEYS[2], 'entries', ARGV[13])
redis.call('HDEL', KEYS[2], 'pseq', 'pfrom', 'pto', 'pfloor')
return 'OK'
