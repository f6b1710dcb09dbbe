# Engine floor (awk): count lines.
END { print NR }
