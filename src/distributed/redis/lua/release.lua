-- KEYS: leases, members. ARGV: worker, leave (0/1), (unit, epoch)*. Frees the units still held with that epoch.
for i = 3, #ARGV, 2 do
  if owns(KEYS[1], ARGV[i], ARGV[1], ARGV[i + 1]) then redis.call('HSET', KEYS[1], ARGV[i] .. ':o', '', ARGV[i] .. ':x', 0) end
end
if ARGV[2] == '1' then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
