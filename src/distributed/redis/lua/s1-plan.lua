-- KEYS: leases, s1, s2 hashes…. ARGV: unit, worker, epoch, seq, from, to.
-- Records the planned batch (write-ahead); returns the lateness floor, or FENCED / STALE.
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
local cur = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if cur + 1 ~= tonumber(ARGV[4]) then return 'STALE' end
local floor = redis.call('HGET', KEYS[2], 'floor') or '-inf'
if redis.call('HGET', KEYS[2], 'idle') == '1' then
  for i = 3, #KEYS do
    local s = redis.call('HGET', KEYS[i], 'sealed')
    if s and s ~= '-inf' and (floor == '-inf' or tonumber(s) > tonumber(floor)) then floor = s end
  end
end
redis.call('HSET', KEYS[2], 'pseq', ARGV[4], 'pfrom', ARGV[5], 'pto', ARGV[6], 'pfloor', floor)
return floor
