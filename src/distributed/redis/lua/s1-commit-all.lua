-- KEYS: lease, s1, then (seen, s2in) per key partition. ARGV: partition, then s1-decide's ARGV.
-- On one server (not a Cluster, where a script may touch one hash slot only): the three steps of a
-- stage-1 commit in one atomic script, composed of s1-decide, s1-deliver and s1-finish (stage1-commit.ts).
local d = {}
for i = 2, #ARGV do d[i - 1] = ARGV[i] end
local r = decide({KEYS[1], KEYS[2]}, d)
if r ~= 'OK' then return r end
-- d: worker, epoch, seq, off, max, wm, eof, idle, floor, lines, late, entries, payload per key partition
for q = 0, #d - 13 do
  if deliver({KEYS[3 + 2 * q], KEYS[4 + 2 * q]}, {ARGV[1], d[3], d[6], d[7], d[8], d[13 + q]}) == 'GAP' then return 'GAP' end
end
return finish({KEYS[2]}, {d[3]})
