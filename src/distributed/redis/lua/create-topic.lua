-- KEYS: topic meta. ARGV: partitions. Creates the topic or returns its partition count.
local p = redis.call('HGET', KEYS[1], 'partitions')
if p then return tonumber(p) end
redis.call('HSET', KEYS[1], 'partitions', ARGV[1])
return tonumber(ARGV[1])
