-- KEYS: lease, s2. ARGV: worker, epoch, offset, snapshot.
-- Stores the open windows for the next owner (valid while the offset stays), then frees the unit.
if not owns(KEYS[1], ARGV[1], ARGV[2]) then return 'FENCED' end
if (redis.call('HGET', KEYS[2], 'off') or '0-0') ~= ARGV[3] then return 'STALE' end
redis.call('HSET', KEYS[2], 'snap', ARGV[4], 'snapoff', ARGV[3])
redis.call('HSET', KEYS[1], 'o', '', 'x', 0)
return 'OK'
