# J4 (awk): total bytes (field 10, "-" is 0) per client IP (field 1), top 10 by
# bytes descending, ties by IP ascending.
{ s[$1] += $10 }
END {
    for (r = 0; r < 10; r++) {
        best = ""; bestn = -1
        for (k in s) if (!(k in done) && (s[k] > bestn || (s[k] == bestn && k < best))) { best = k; bestn = s[k] }
        if (bestn < 0) break
        done[best] = 1
        printf "%s\t%.0f\n", best, bestn
    }
}
