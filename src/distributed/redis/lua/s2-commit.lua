-- KEYS: lease, s2, s2in, out (all in the key partition's slot). ARGV: worker, epoch, prevOff, off, rb, src,
-- sealed, done, rows, late, partition, closed, state ('' for none), packs….
-- Output rows (tagged with the key partition and how far it has closed), offset, progress, the state of an
-- --update-state-by-key job (kept as the snapshot at this offset) and the trim of the applied messages:
-- atomic, fenced by the epoch. A commit without rows that moves `closed` appends a progress entry, so
-- `dstream cat` knows the windows up to there are final in this key partition.
if not owns(KEYS[1], ARGV[1], ARGV[2]) then return 'FENCED' end
if (redis.call('HGET', KEYS[2], 'off') or '0-0') ~= ARGV[3] then return 'STALE' end
for i = 14, #ARGV do redis.call('XADD', KEYS[4], '*', 'q', ARGV[11], 'c', ARGV[12], 'r', ARGV[i]) end
if #ARGV < 14 and (redis.call('HGET', KEYS[2], 'closed') or '-inf') ~= ARGV[12] then
  redis.call('XADD', KEYS[4], '*', 'q', ARGV[11], 'c', ARGV[12])
end
redis.call('HSET', KEYS[2], 'off', ARGV[4], 'rb', ARGV[5], 'src', ARGV[6], 'sealed', ARGV[7], 'done', ARGV[8], 'closed', ARGV[12])
redis.call('HINCRBY', KEYS[2], 'rows', ARGV[9])
redis.call('HINCRBY', KEYS[2], 'late', ARGV[10])
if ARGV[5] ~= '0-0' then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[5]) end
if ARGV[13] ~= '' then
  redis.call('HSET', KEYS[2], 'snap', ARGV[13], 'snapoff', ARGV[4])
else
  redis.call('HDEL', KEYS[2], 'snap', 'snapoff')
end
return 'OK'
