# J2 (awk): requests per HTTP status (field 9).
{ c[$9]++ }
END { for (k in c) printf "%s\t%d\n", k, c[k] }
