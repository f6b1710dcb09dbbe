# Shared by j3.awk and j3s.awk: Apache time → epoch seconds and epoch seconds
# → ISO 8601, with split/substr arithmetic only (mawk has no mktime/strftime).
# Day numbers: Howard Hinnant's days_from_civil / civil_from_days.
BEGIN {
    split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", mn, " ")
    for (i = 1; i <= 12; i++) mon[mn[i]] = i
}
function days_from_civil(y, m, d,    era, yoe, doy, doe) {
    y -= (m <= 2)
    era = int((y >= 0 ? y : y - 399) / 400)
    yoe = y - era * 400
    doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    return era * 146097 + doe - 719468
}
# $4 = "[17/May/2015:10:05:03", $5 = "+0000]"
function apache_time(f4, f5,    day, t, off) {
    day = substr(f4, 2, 11)
    if (!(day in days)) days[day] = days_from_civil(substr(f4, 9, 4) + 0, mon[substr(f4, 5, 3)], substr(f4, 2, 2) + 0)
    t = days[day] * 86400 + substr(f4, 14, 2) * 3600 + substr(f4, 17, 2) * 60 + substr(f4, 20, 2)
    off = substr(f5, 2, 2) * 3600 + substr(f5, 4, 2) * 60
    return substr(f5, 1, 1) == "-" ? t + off : t - off
}
function iso(t,    z, era, doe, yoe, doy, mp, d, m, y, s) {
    s = t % 86400; z = (t - s) / 86400 + 719468
    era = int((z >= 0 ? z : z - 146096) / 146097)
    doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    y = yoe + era * 400
    doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153)
    d = doy - int((153 * mp + 2) / 5) + 1
    m = mp < 10 ? mp + 3 : mp - 9
    y += (m <= 2)
    return sprintf("%04d-%02d-%02dT%02d:%02d:%02d.000Z", y, m, d, int(s / 3600), int(s % 3600 / 60), s % 60)
}
