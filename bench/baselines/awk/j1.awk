# J1 (awk): top 10 hashtags, lower-cased, by count descending, ties by tag
# ascending. awk has no Unicode classes, so a tag is #[A-Za-z0-9_]+; the
# bench corpus uses ASCII hashtags, where this equals dstream's \p{L}\p{M}\p{N}_.
{
    s = $0
    while (match(s, /#[A-Za-z0-9_]+/)) {
        c[tolower(substr(s, RSTART, RLENGTH))]++
        s = substr(s, RSTART + RLENGTH)
    }
}
END {
    for (r = 0; r < 10; r++) {          # 10 selection passes: no sort(1) needed
        best = ""; bestn = -1
        for (k in c) if (!(k in done) && (c[k] > bestn || (c[k] == bestn && k < best))) { best = k; bestn = c[k] }
        if (bestn < 0) break
        done[best] = 1
        printf "%s\t%d\n", best, bestn
    }
}
