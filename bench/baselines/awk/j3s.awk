# J3s (awk, with time.awk): requests per (1-hour window sliding by 5 minutes,
# status); each request goes into the 12 windows that contain it.
{
    t = apache_time($4, $5); w = t - t % 300
    for (k = 0; k < 12; k++) c[(w - k * 300) "\t" $9]++
}
END { for (k in c) { split(k, p, "\t"); printf "%s\t%s\t%d\n", iso(p[1]), p[2], c[k] } }
