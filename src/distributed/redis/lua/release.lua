-- KEYS: the unit's lease. ARGV: worker, epoch. Frees the unit if still held with that epoch.
if owns(KEYS[1], ARGV[1], ARGV[2]) then redis.call('HSET', KEYS[1], 'o', '', 'x', 0) end
return 1
