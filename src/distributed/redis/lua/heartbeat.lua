-- KEYS: leases, members, job meta. ARGV: worker, leaseMs, (unit, epoch)*.
-- Returns {now, lost, live members, leases hash}, or {'GONE'} when the job was reset.
if redis.call('EXISTS', KEYS[3]) == 0 then return {'GONE'} end
local n = now()
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], n + ttl)
local lost = {}
for i = 3, #ARGV, 2 do
  local u = ARGV[i]
  if owns(KEYS[1], u, ARGV[1], ARGV[i + 1]) then redis.call('HSET', KEYS[1], u .. ':x', n + ttl)
  else table.insert(lost, u) end
end
local m = redis.call('HGETALL', KEYS[2])
local live = {}
for i = 1, #m, 2 do
  if tonumber(m[i + 1]) < n then redis.call('HDEL', KEYS[2], m[i]) else table.insert(live, m[i]) end
end
return {tostring(n), lost, live, redis.call('HGETALL', KEYS[1])}
