-- KEYS: leases, members, job meta. ARGV: unit, worker, leaseMs.
-- Returns the new epoch, -1 when a live owner holds the unit, -2 when the job is gone (reset).
if redis.call('EXISTS', KEYS[3]) == 0 then return -2 end
local n = now()
local u = ARGV[1]
local o = redis.call('HGET', KEYS[1], u .. ':o')
local x = tonumber(redis.call('HGET', KEYS[1], u .. ':x') or '0')
if o and o ~= '' and o ~= ARGV[2] and x > n then return -1 end
local e = redis.call('HINCRBY', KEYS[1], u .. ':e', 1)
redis.call('HSET', KEYS[1], u .. ':o', ARGV[2], u .. ':x', n + tonumber(ARGV[3]))
return e
