-- KEYS: the unit's lease. ARGV: worker, leaseMs.
-- Returns the new epoch, -1 when a live owner holds the unit, -2 when the job is gone (a job's lease
-- hashes are created with it and deleted by reset, so a paused worker cannot recreate them).
if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
local n = now()
local o = redis.call('HGET', KEYS[1], 'o')
local x = tonumber(redis.call('HGET', KEYS[1], 'x') or '0')
if o and o ~= '' and o ~= ARGV[1] and x > n then return -1 end
local e = redis.call('HINCRBY', KEYS[1], 'e', 1)
redis.call('HSET', KEYS[1], 'o', ARGV[1], 'x', n + tonumber(ARGV[2]))
return e
