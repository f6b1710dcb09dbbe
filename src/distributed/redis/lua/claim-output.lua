-- KEYS: outputs. ARGV: output name, job base (T:G), job prefix.
-- Registers the output for the job unless another job has it: {'OK'} or {'TAKEN', that job}.
local reg = redis.call('HGET', KEYS[1], ARGV[1] .. ':job')
if reg and reg ~= ARGV[3] then return {'TAKEN', reg} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. ':job', ARGV[3])
return {'OK'}
