-- KEYS: leases, s2. ARGV: unit, worker, epoch, offset, snapshot.
-- Stores the open windows for the next owner (valid while the offset stays), then frees the unit.
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
if (redis.call('HGET', KEYS[2], 'off') or '0-0') ~= ARGV[4] then return 'STALE' end
redis.call('HSET', KEYS[2], 'snap', ARGV[5], 'snapoff', ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1] .. ':o', '', ARGV[1] .. ':x', 0)
return 'OK'
