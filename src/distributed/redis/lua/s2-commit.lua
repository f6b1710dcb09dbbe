-- KEYS: leases, s2, s2in, out. ARGV: unit, worker, epoch, prevOff, off, rb, src, sealed, done, rows, late,
-- partition, closed, state ('' for none), packs….
-- Output rows (tagged with the key partition and how far it has closed), offset, progress, the state of an
-- --update-state-by-key job (kept as the snapshot at this offset) and the trim of the applied messages:
-- atomic, fenced by the epoch. A commit without rows that moves `closed` appends a progress entry, so
-- `dstream cat` knows the windows up to there are final in this key partition.
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
if (redis.call('HGET', KEYS[2], 'off') or '0-0') ~= ARGV[4] then return 'STALE' end
for i = 15, #ARGV do redis.call('XADD', KEYS[4], '*', 'q', ARGV[12], 'c', ARGV[13], 'r', ARGV[i]) end
if #ARGV < 15 and (redis.call('HGET', KEYS[2], 'closed') or '-inf') ~= ARGV[13] then
  redis.call('XADD', KEYS[4], '*', 'q', ARGV[12], 'c', ARGV[13])
end
redis.call('HSET', KEYS[2], 'off', ARGV[5], 'rb', ARGV[6], 'src', ARGV[7], 'sealed', ARGV[8], 'done', ARGV[9], 'closed', ARGV[13])
redis.call('HINCRBY', KEYS[2], 'rows', ARGV[10])
redis.call('HINCRBY', KEYS[2], 'late', ARGV[11])
if ARGV[6] ~= '0-0' then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[6]) end
if ARGV[14] ~= '' then
  redis.call('HSET', KEYS[2], 'snap', ARGV[14], 'snapoff', ARGV[5])
else
  redis.call('HDEL', KEYS[2], 'snap', 'snapoff')
end
return 'OK'
