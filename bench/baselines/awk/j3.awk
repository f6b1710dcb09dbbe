# J3 (awk, with time.awk): requests per (5-minute event-time window, status).
{ t = apache_time($4, $5); c[(t - t % 300) "\t" $9]++ }
END { for (k in c) { split(k, p, "\t"); printf "%s\t%s\t%d\n", iso(p[1]), p[2], c[k] } }
