-- KEYS: lease, s1, then (seen, s2in) per key partition, then for a stateless job the output stream of the
-- input partition. ARGV: partition, then s1-decide's ARGV, then for a stateless job: closed, row packs….
-- On one server (not a Cluster, where a script may touch one hash slot only): the three steps of a
-- stage-1 commit in one atomic script, composed of s1-decide, s1-deliver and s1-finish (stage1-commit.ts);
-- a stateless job (no key partitions) appends its rows to the output, tagged with the input partition and
-- `closed` (its lines final with this commit), in the same script.
local k = math.floor((#KEYS - 2) / 2)
local d = {}
for i = 2, 13 + k do d[i - 1] = ARGV[i] end
local r = decide({KEYS[1], KEYS[2]}, d)
if r ~= 'OK' then return r end
-- d: worker, epoch, seq, off, max, wm, eof, idle, floor, lines, late, entries, payload per key partition
for q = 0, k - 1 do
  if deliver({KEYS[3 + 2 * q], KEYS[4 + 2 * q]}, {ARGV[1], d[3], d[6], d[7], d[8], d[13 + q]}) == 'GAP' then return 'GAP' end
end
if #KEYS > 2 + 2 * k then
  local out, closed = KEYS[#KEYS], ARGV[14 + k]
  for i = 15 + k, #ARGV do redis.call('XADD', out, '*', 'q', ARGV[1], 'c', closed, 'r', ARGV[i]) end
  if #ARGV < 15 + k then redis.call('XADD', out, '*', 'q', ARGV[1], 'c', closed) end
end
return finish({KEYS[2]}, {d[3]})
