-- KEYS: topic meta, job meta, topic's jobs. ARGV: p2, pipeline, output name, group.
-- Creates the job if new (registering it on the topic; v=2: the layout of keys.ts), else returns its meta.
local p1 = redis.call('HGET', KEYS[1], 'partitions')
if not p1 then return {'NOTOPIC'} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[2], 'p1', p1, 'p2', ARGV[1], 'fp', ARGV[2], 'out', ARGV[3], 'v', '2')
  redis.call('SADD', KEYS[3], ARGV[4])
end
return {'OK', redis.call('HGETALL', KEYS[2])}
