#!/bin/bash
# spoolgen's schedule options: --until, --profile with 24 hourly and 1440
# per-minute weights, and --timezone, checked through --plan output and
# one written spool.
source "$(dirname "$0")/lib.sh"

[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
[ -r /usr/share/zoneinfo/Europe/London ] ||
	skip_all "time zone data is missing (Debian package tzdata)"

# run NAME ARGS...: run spoolgen with output in $WORK/NAME.out and
# $WORK/NAME.err; sets STATUS.
run() {
	local name=$1
	shift
	STATUS=0
	"$SPOOLGEN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}

# sum FILE: the sum of the volumes in a --plan output.
sum() {
	awk '{total += $2} END {print total + 0}' "$1"
}

# hour_total FILE HH: the volume of the slots of UTC hour HH.
hour_total() {
	awk -v hour="$2" 'substr($1, 10, 2) == hour {total += $2}
		END {print total + 0}' "$1"
}

# busiest_hour FILE: the UTC hour with the largest volume.
busiest_hour() {
	awk '{hours[substr($1, 10, 2)] += $2}
		END {for (h in hours) if (hours[h] > best) {best = hours[h];
			name = h}; print name}' "$1"
}

# --until: every slot up to, but not including, the until minute.
run until --plan --volume 2 --slot 2026-06-01T10:00Z --until 2026-06-01T12:30Z
check_eq "until: exit status" "$STATUS" 0
check_eq "until: slots" "$(wc -l <"$WORK/until.out")" 150
check_eq "until: first slot" "$(head -n 1 "$WORK/until.out")" \
	"20260601T1000Z 2"
check_eq "until: last slot" "$(tail -n 1 "$WORK/until.out")" \
	"20260601T1229Z 2"
run until_seconds --plan --volume 1 --slot 2026-06-01T10:00Z \
	--until 2026-06-01T10:05:59Z
check_eq "until with seconds: rounded down to its minute" \
	"$(wc -l <"$WORK/until_seconds.out")" 5
run until_offset --plan --volume 1 --slot 2026-06-01T10:00Z \
	--until 2026-06-01T07:00-04:00
check_eq "until with an offset: slots" "$(wc -l <"$WORK/until_offset.out")" 60
run until_day --plan --daily-volume 5000 --seed 4 \
	--slot 2026-06-01T00:00-04:00 --until 2026-06-02T00:00-04:00
check_eq "until a local day: slots" "$(wc -l <"$WORK/until_day.out")" 1440
check_eq "until a local day: volumes sum to the daily volume" \
	"$(sum "$WORK/until_day.out")" 5000

run until_write --spool "$WORK/spool" --volume 2 --seed 1 --quiet \
	--slot 2026-06-01T10:00Z --until 2026-06-01T10:03Z
check_eq "until, written: exit status" "$STATUS" 0
check_eq "until, written: slot folders" "$(ls "$WORK/spool" | tr '\n' ' ')" \
	"20260601T1000Z 20260601T1001Z 20260601T1002Z "
check_eq "until, written: messages" \
	"$(find "$WORK/spool" -path '*/new/*' -type f | wc -l)" 6

run until_same --plan --volume 1 --slot 2026-06-01T10:00Z \
	--until 2026-06-01T10:00:30Z
check_eq "until in the first slot's minute: exit status" "$STATUS" 64
check "until in the first slot's minute: message" \
	grep -q 'must be a later minute than --slot' "$WORK/until_same.err"
run until_before --plan --volume 1 --slot 2026-06-01T10:00Z \
	--until 2026-06-01T09:00Z
check_eq "until before the slot: exit status" "$STATUS" 64
run until_slots --plan --volume 1 --slots 3 --until 2026-06-02T00:00Z
check_eq "until and slots together: exit status" "$STATUS" 64
run until_bad --plan --volume 1 --until tomorrow
check_eq "until, invalid time: exit status" "$STATUS" 64
check "until, invalid time: message names the value" \
	grep -q '"tomorrow"' "$WORK/until_bad.err"

# Local times that daylight saving time skips or passes twice.
TZ=America/New_York run slot_skipped --plan --volume 1 \
	--slot 2026-03-08T02:30
check_eq "slot skipped by DST: exit status" "$STATUS" 64
check "slot skipped by DST: message" grep -q \
	'^spoolgen: --slot: invalid time "2026-03-08T02:30": the clocks of the local time zone skip it' \
	"$WORK/slot_skipped.err"
TZ=America/New_York run slot_twice --plan --volume 1 \
	--slot 2026-11-01T01:30
check_eq "slot repeated by DST: exit status" "$STATUS" 64
check "slot repeated by DST: both readings" grep -q \
	'as 2026-11-01T01:30-04:00 or 2026-11-01T01:30-05:00' \
	"$WORK/slot_twice.err"
TZ=America/New_York run until_twice --plan --volume 1 \
	--slot 2026-11-01T00:30 --until 2026-11-01T01:30
check_eq "until repeated by DST: exit status" "$STATUS" 64

# A 24-weight profile, written with comments and several weights per
# line: only 12:00 local has weight, so interpolation spreads the day over
# 11:00 to 13:00 local, which is 15:00 to 17:00 UTC in New York in June.
cat >"$WORK/noon.profile" <<'PROFILE'
# hourly weights, 00:00 to 23:00
0 0 0 0 0 0   # night
0 0 0 0 0 0
1             # noon
0 0 0 0 0 0 0 0 0 0 0
PROFILE
run hourly --plan --daily-volume 6000 --seed 2 --profile "$WORK/noon.profile" \
	--slot 2026-06-01T00:00-04:00 --slots 1440
check_eq "hourly profile: exit status" "$STATUS" 0
check_eq "hourly profile: day sums to the daily volume" \
	"$(sum "$WORK/hourly.out")" 6000
check_eq "hourly profile: 15:00 to 17:00 UTC has the whole day" \
	$(($(hour_total "$WORK/hourly.out" 15) + \
	$(hour_total "$WORK/hourly.out" 16))) 6000
check_eq "hourly profile: 11:00 local (15:00 UTC) gets nothing" \
	"$(grep -c '^20260601T1500Z 0$' "$WORK/hourly.out")" 1

# A 1440-weight profile, one weight per line: only 12:00 to 12:59 local
# has weight. Per-minute interpolation keeps the day inside that hour.
awk 'BEGIN {for (m = 0; m < 1440; m++) print (m >= 720 && m < 780)}' \
	>"$WORK/minutes.profile"
run london --plan --daily-volume 6000 --seed 2 \
	--profile "$WORK/minutes.profile" --timezone Europe/London \
	--slot 2026-06-01T00:00+01:00 --slots 1440
check_eq "minute profile, London: exit status" "$STATUS" 0
check_eq "minute profile, London: day sums to the daily volume" \
	"$(sum "$WORK/london.out")" 6000
check_eq "minute profile, London: 11:00 UTC has the whole day" \
	"$(hour_total "$WORK/london.out" 11)" 6000
check_eq "minute profile, London: slots with messages" \
	"$(awk '$2 > 0' "$WORK/london.out" | wc -l)" 60
check_eq "minute profile, London: first slot with messages" \
	"$(awk '$2 > 0 {print $1; exit}' "$WORK/london.out")" 20260601T1100Z
run new_york --plan --daily-volume 6000 --seed 2 \
	--profile "$WORK/minutes.profile" --timezone America/New_York \
	--slot 2026-06-01T00:00-04:00 --slots 1440
check_eq "minute profile, New York: 16:00 UTC has the whole day" \
	"$(hour_total "$WORK/new_york.out" 16)" 6000

# The built-in curve peaks at a different UTC hour in each zone: with
# seed 9, at 13:00 local time in both.
run curve_london --plan --daily-volume 150000 --seed 9 \
	--timezone Europe/London --slot 2026-06-01T00:00+01:00 --slots 1440
run curve_new_york --plan --daily-volume 150000 --seed 9 \
	--slot 2026-06-01T00:00-04:00 --slots 1440
check_eq "built-in curve, London: busiest UTC hour" \
	"$(busiest_hour "$WORK/curve_london.out")" 12
check_eq "built-in curve, New York: busiest UTC hour" \
	"$(busiest_hour "$WORK/curve_new_york.out")" 17
check_eq "built-in curve, London: day sums to the daily volume" \
	"$(sum "$WORK/curve_london.out")" 150000

# A 23-hour day (DST starts in New York on 2026-03-08) with a minute
# profile still sums to the daily volume.
run dst --plan --daily-volume 7777 --seed 5 --profile "$WORK/minutes.profile" \
	--slot 2026-03-08T00:00-05:00 --slots 1380
check_eq "minute profile, DST day: volumes sum to the daily volume" \
	"$(sum "$WORK/dst.out")" 7777

# Invalid profiles name the file, the line and the value.
printf '1 2\n3 abc 5\n' >"$WORK/word.profile"
run word --plan --daily-volume 100 --profile "$WORK/word.profile"
check_eq "profile with a word: exit status" "$STATUS" 65
check_eq "profile with a word: message" "$(cat "$WORK/word.err")" \
	"spoolgen: fatal: $WORK/word.profile:2: invalid weight \"abc\": expected a decimal number of at least 0, such as 12 or 0.5"
printf '1\n-2\n' >"$WORK/negative.profile"
run negative --plan --daily-volume 100 --profile "$WORK/negative.profile"
check_eq "profile with a negative weight: exit status" "$STATUS" 65
check "profile with a negative weight: message names line 2 and -2" \
	grep -q 'negative.profile:2: invalid weight "-2"' "$WORK/negative.err"
seq 1 23 >"$WORK/short.profile"
run short --plan --daily-volume 100 --profile "$WORK/short.profile"
check_eq "profile of 23 weights: exit status" "$STATUS" 65
check "profile of 23 weights: message gives the count" \
	grep -q 'short.profile: 23 weights: expected 24 hourly or 1440' \
	"$WORK/short.err"
yes 0 | head -n 24 >"$WORK/zero.profile"
run zero --plan --daily-volume 100 --profile "$WORK/zero.profile"
check_eq "profile of zeros: exit status" "$STATUS" 65
run missing --plan --daily-volume 100 --profile "$WORK/no-such.profile"
check_eq "missing profile: exit status" "$STATUS" 66
check "missing profile: message names the path" \
	grep -q "$WORK/no-such.profile: No such file or directory" \
	"$WORK/missing.err"
run directory --plan --daily-volume 100 --profile "$WORK"
check_eq "profile that is a directory: exit status" "$STATUS" 66
run zone --plan --daily-volume 100 --timezone Mars/Olympus_Mons
check_eq "unknown time zone: exit status" "$STATUS" 64
check "unknown time zone: message names it" \
	grep -q '"Mars/Olympus_Mons"' "$WORK/zone.err"

done_testing
