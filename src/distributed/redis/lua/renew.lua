-- KEYS: the unit's lease. ARGV: worker, epoch, leaseMs. Returns 1 when renewed, 0 when the unit was lost.
if not owns(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'x', now() + tonumber(ARGV[3]))
return 1
