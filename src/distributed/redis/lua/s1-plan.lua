-- KEYS: lease, s1. ARGV: worker, epoch, seq, from, to, sealed (the highest closed-window end of the key
-- partitions, read just before: they live in other slots; they only grow, so this is a value they had).
-- Records the planned batch (write-ahead); returns the lateness floor, or FENCED / STALE.
if not owns(KEYS[1], ARGV[1], ARGV[2]) then return 'FENCED' end
local cur = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if cur + 1 ~= tonumber(ARGV[3]) then return 'STALE' end
local floor = redis.call('HGET', KEYS[2], 'floor') or '-inf'
local s = ARGV[6]
if redis.call('HGET', KEYS[2], 'idle') == '1' and s ~= '-inf' and (floor == '-inf' or tonumber(s) > tonumber(floor)) then floor = s end
redis.call('HSET', KEYS[2], 'pseq', ARGV[3], 'pfrom', ARGV[4], 'pto', ARGV[5], 'pfloor', floor)
return floor
