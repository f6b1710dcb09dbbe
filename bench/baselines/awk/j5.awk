# J5 (awk): mean latency_ms per host over JSON lines, fields cut with match()
# (no JSON parser); %.17g prints the exact double, compared numerically.
{
    match($0, /"host":"[^"]*"/); h = substr($0, RSTART + 8, RLENGTH - 9)
    match($0, /"latency_ms":[-+0-9.eE]+/); s[h] += substr($0, RSTART + 13, RLENGTH - 13); n[h]++
}
END { for (h in s) printf "%s\t%.17g\n", h, s[h] / n[h] }
