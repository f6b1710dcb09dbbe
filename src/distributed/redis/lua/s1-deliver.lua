-- KEYS: seen, s2in (of one key partition). ARGV: source partition, seq, wm, eof, idle, payload.
-- Step 2 of a stage-1 commit: appends the decided message unless this key partition has it already
-- (`seen`: the last seq delivered per input partition). Returns OK, DUP, or GAP (an earlier seq missing:
-- never, while step 3 follows step 2).
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local seq = tonumber(ARGV[2])
if last >= seq then return 'DUP' end
if last + 1 ~= seq then return 'GAP' end
redis.call('XADD', KEYS[2], '*', 's', ARGV[1], 'n', ARGV[2], 'w', ARGV[3], 'e', ARGV[4], 'i', ARGV[5], 'd', ARGV[6])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'OK'
