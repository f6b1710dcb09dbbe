# State job (awk): occurrences of each distinct line.
{ c[$0]++ }
END { for (k in c) printf "%s\t%d\n", k, c[k] }
