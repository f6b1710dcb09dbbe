-- KEYS: members, job meta. ARGV: worker, leaseMs.
-- Renews the membership; returns {now, live members}, or {'GONE'} when the job was reset.
-- (Each held lease is renewed by renew.lua in its own slot.)
if redis.call('EXISTS', KEYS[2]) == 0 then return {'GONE'} end
local n = now()
redis.call('HSET', KEYS[1], ARGV[1], n + tonumber(ARGV[2]))
local m = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #m, 2 do
  if tonumber(m[i + 1]) < n then redis.call('HDEL', KEYS[1], m[i]) else table.insert(live, m[i]) end
end
return {tostring(n), live}
