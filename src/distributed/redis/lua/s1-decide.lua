-- KEYS: lease, s1. ARGV: worker, epoch, seq, off, max, wm, eof, idle, floor, lines, late, entries,
-- payload per key partition.
-- Step 1 of a stage-1 commit (stage1-commit.ts): records the whole commit in the input partition's
-- slot, fenced by the epoch. From here on the commit is decided: anyone rolls it forward.
-- Returns OK, PENDING (this seq was decided before: roll forward the stored one), FENCED or STALE.
if not owns(KEYS[1], ARGV[1], ARGV[2]) then return 'FENCED' end
local cur = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if cur + 1 ~= tonumber(ARGV[3]) then return 'STALE' end
if redis.call('HGET', KEYS[2], 'cseq') == ARGV[3] then return 'PENDING' end
redis.call('HSET', KEYS[2], 'cseq', ARGV[3], 'coff', ARGV[4], 'cmax', ARGV[5], 'cwm', ARGV[6], 'ceof', ARGV[7], 'cidle', ARGV[8],
  'cfloor', ARGV[9], 'clines', ARGV[10], 'clate', ARGV[11], 'centries', ARGV[12], 'cn', #ARGV - 12)
for i = 13, #ARGV do redis.call('HSET', KEYS[2], 'c' .. (i - 13), ARGV[i]) end
return 'OK'
