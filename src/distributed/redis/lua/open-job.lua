-- KEYS: topic meta, job meta, outputs, topic's jobs. ARGV: p2, pipeline, output name, output key, job prefix, group.
-- Creates the job if new (registering its output name and the job on the topic), else returns its meta.
local p1 = redis.call('HGET', KEYS[1], 'partitions')
if not p1 then return {'NOTOPIC'} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local reg = redis.call('HGET', KEYS[3], ARGV[3] .. ':job')
  if reg and reg ~= ARGV[5] then return {'OUTPUT_TAKEN', reg} end
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4], ARGV[3] .. ':job', ARGV[5])
  redis.call('HSET', KEYS[2], 'p1', p1, 'p2', ARGV[1], 'fp', ARGV[2], 'out', ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[6])
end
return {'OK', redis.call('HGETALL', KEYS[2])}
