-- KEYS: s1. ARGV: seq.
-- Step 3 of a stage-1 commit, once every key partition has the message: the decided commit becomes the
-- partition's state (offset, watermark, counts) and the plan is dropped. Idempotent: DONE when seq is not pending.
if redis.call('HGET', KEYS[1], 'cseq') ~= ARGV[1] then return 'DONE' end
local c = redis.call('HMGET', KEYS[1], 'coff', 'cmax', 'cwm', 'ceof', 'cidle', 'cfloor', 'clines', 'clate', 'centries', 'cn')
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'off', c[1], 'max', c[2], 'wm', c[3], 'eof', c[4], 'idle', c[5], 'floor', c[6])
redis.call('HINCRBY', KEYS[1], 'lines', c[7])
redis.call('HINCRBY', KEYS[1], 'late', c[8])
redis.call('HINCRBY', KEYS[1], 'entries', c[9])
redis.call('HDEL', KEYS[1], 'pseq', 'pfrom', 'pto', 'pfloor', 'cseq', 'coff', 'cmax', 'cwm', 'ceof', 'cidle', 'cfloor', 'clines', 'clate', 'centries', 'cn')
for i = 0, tonumber(c[10]) - 1 do redis.call('HDEL', KEYS[1], 'c' .. i) end
return 'OK'
