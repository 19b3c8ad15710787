/*
 * Unit tests for slot: parsing slot times (now, ISO 8601 with and without
 * a zone) and the YYYYMMDDTHHMMZ slot names.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "slot.h"

struct parse_case {
	const char *text;
	const char *expected;		/* slot name */
};

static const struct parse_case utc_cases[] = {
	{"2026-12-04T15:21Z", "20261204T1521Z"},
	{"2026-12-04t15:21z", "20261204T1521Z"},
	{"2026-12-04 15:21Z", "20261204T1521Z"},
	{"2026-12-04T15:21:00Z", "20261204T1521Z"},
	{"2026-12-04T15:21:59Z", "20261204T1521Z"},
	{"2026-12-04T15:21:59.999Z", "20261204T1521Z"},
	{"2026-12-04T15:21:07.5+00:00", "20261204T1521Z"},
	{"2026-12-04T10:21-05:00", "20261204T1521Z"},
	{"2026-12-04T10:21-0500", "20261204T1521Z"},
	{"2026-12-04T10:21-05", "20261204T1521Z"},
	{"2026-12-04T16:21+01:00", "20261204T1521Z"},
	{"2026-12-04T20:51+05:30", "20261204T1521Z"},
	{"2026-12-04T20:51:30+0530", "20261204T1521Z"},
	{"2026-12-05T00:21+09:00", "20261204T1521Z"},
	{"2026-12-04T00:10+01:00", "20261203T2310Z"},
	{"2026-12-31T23:59:59Z", "20261231T2359Z"},
	{"2028-02-29T12:00Z", "20280229T1200Z"},
	{"2026-01-01T00:00Z", "20260101T0000Z"},
};

Test(slot, parse_utc)
{
	size_t i;

	for (i = 0; i < sizeof(utc_cases) / sizeof(utc_cases[0]); i++) {
		struct buf error = BUF_INIT;
		char name[SLOT_NAME_SIZE];
		time_t slot = -1;
		int status;

		status = slot_parse(utc_cases[i].text, 0, &slot, &error);
		cr_assert_eq(status, 0, "\"%s\": status %d, expected 0 (%s)",
		    utc_cases[i].text, status, error.data ? error.data : "");
		cr_assert_eq(slot % 60, 0, "\"%s\": %lld is not the start of "
		    "a minute", utc_cases[i].text, (long long) slot);
		slot_name(slot, name);
		cr_assert_str_eq(name, utc_cases[i].expected, "\"%s\": slot "
		    "%s, expected %s", utc_cases[i].text, name,
		    utc_cases[i].expected);
		buf_free(&error);
	}
}

Test(slot, parse_local)
{
	static const struct parse_case cases[] = {
		{"2026-12-04T10:21", "20261204T1521Z"},
		{"2026-07-04T10:21", "20260704T1421Z"},
		{"2026-03-08T03:30", "20260308T0730Z"},
		{"2026-11-01T12:00:45", "20261101T1700Z"},
	};
	size_t i;

	setenv("TZ", "America/New_York", 1);
	tzset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf error = BUF_INIT;
		char name[SLOT_NAME_SIZE];
		time_t slot = -1;
		int status;

		status = slot_parse(cases[i].text, 0, &slot, &error);
		cr_assert_eq(status, 0, "\"%s\": status %d, expected 0 (%s)",
		    cases[i].text, status, error.data ? error.data : "");
		slot_name(slot, name);
		cr_assert_str_eq(name, cases[i].expected, "\"%s\" in New York: "
		    "slot %s, expected %s", cases[i].text, name,
		    cases[i].expected);
		buf_free(&error);
	}
}

Test(slot, parse_local_change)
{
	static const struct parse_case cases[] = {
		{"2026-03-08T02:30", "skip"},
		{"2026-03-08T02:00", "skip"},
		{"2026-03-08T02:59:59", "skip"},
		{"2026-11-01T01:30", "as 2026-11-01T01:30-04:00 or "
		    "2026-11-01T01:30-05:00"},
		{"2026-11-01T01:00", "pass it twice"},
	};
	size_t i;

	setenv("TZ", "America/New_York", 1);
	tzset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf error = BUF_INIT;
		time_t slot = -1;
		int status;

		status = slot_parse(cases[i].text, 0, &slot, &error);
		cr_expect_eq(status, -1, "\"%s\": status %d, expected -1",
		    cases[i].text, status);
		cr_expect(error.data != NULL
		    && strstr(error.data, cases[i].expected) != NULL,
		    "\"%s\": error \"%s\", expected it to contain \"%s\"",
		    cases[i].text, error.data ? error.data : "",
		    cases[i].expected);
		buf_free(&error);
	}
}

Test(slot, parse_local_next_to_change)
{
	static const struct parse_case cases[] = {
		{"2026-03-08T01:59", "20260308T0659Z"},
		{"2026-03-08T03:00", "20260308T0700Z"},
		{"2026-11-01T00:59", "20261101T0459Z"},
		{"2026-11-01T02:00", "20261101T0700Z"},
		{"2026-06-30T23:59:60", "20260701T0400Z"},
	};
	size_t i;

	setenv("TZ", "America/New_York", 1);
	tzset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf error = BUF_INIT;
		char name[SLOT_NAME_SIZE];
		time_t slot = -1;
		int status;

		status = slot_parse(cases[i].text, 0, &slot, &error);
		cr_assert_eq(status, 0, "\"%s\": status %d, expected 0 (%s)",
		    cases[i].text, status, error.data ? error.data : "");
		slot_name(slot, name);
		cr_expect_str_eq(name, cases[i].expected, "\"%s\": slot %s, "
		    "expected %s", cases[i].text, name, cases[i].expected);
		buf_free(&error);
	}
}

Test(slot, parse_now)
{
	static const time_t nows[] = {1796403600, 1796403659, 1796403660,
	    0, 59};
	static const time_t expected[] = {1796403600, 1796403600, 1796403660,
	    0, 0};
	size_t i;

	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		struct buf error = BUF_INIT;
		time_t slot = -1;
		int status = slot_parse("now", nows[i], &slot, &error);

		cr_assert_eq(status, 0, "now=%lld: status %d, expected 0",
		    (long long) nows[i], status);
		cr_assert_eq(slot, expected[i], "now=%lld: slot %lld, expected "
		    "%lld", (long long) nows[i], (long long) slot,
		    (long long) expected[i]);
		buf_free(&error);
	}
}

Test(slot, parse_invalid)
{
	static const char *const inputs[] = {
		"", "tomorrow", "NOW", "now ", "2026-12-04", "2026-12-04T15",
		"2026-12-04T15:2Z", "2026-12-04T1521Z", "26-12-04T15:21Z",
		"2026/12/04T15:21Z", "2026-12-04X15:21Z", "2026-13-01T00:00Z",
		"2026-00-10T00:00Z", "2026-12-00T00:00Z", "2026-12-32T00:00Z",
		"2026-02-29T00:00Z", "2026-04-31T00:00Z", "2026-12-04T24:00Z",
		"2026-12-04T15:60Z", "2026-12-04T15:21:61Z",
		"2026-12-04T15:21:5Z", "2026-12-04T15:21.Z",
		"2026-12-04T15:21:00.Z", "2026-12-04T15:21Q",
		"2026-12-04T15:21Z ", "2026-12-04T15:21ZZ",
		"2026-12-04T15:21+25:00", "2026-12-04T15:21+05:60",
		"2026-12-04T15:21+5:00", "2026-12-04T15:21+05:3",
		"2026-12-04T15:21+05:00:00", "2026-12-04T15:21 +05:00",
	};
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct buf error = BUF_INIT;
		time_t slot = 12345;
		int status = slot_parse(inputs[i], 0, &slot, &error);

		cr_assert_eq(status, -1, "\"%s\": status %d, expected -1 "
		    "(slot %lld)", inputs[i], status, (long long) slot);
		cr_assert(error.data && strstr(error.data, inputs[i]),
		    "\"%s\": message \"%s\" does not quote the input",
		    inputs[i], error.data ? error.data : "");
		buf_free(&error);
	}
}

Test(slot, name_round_trip)
{
	static const time_t times[] = {
		0, 59, 60, 1796403600, 1796403659, 1804089599, 1709876543,
		4102444800,
	};
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char name[SLOT_NAME_SIZE];
		time_t start = times[i] - times[i] % 60;
		time_t back = -1;
		int status;

		slot_name(times[i], name);
		cr_assert_eq(strlen(name), SLOT_NAME_SIZE - 2, "%lld: name "
		    "\"%s\" has %zu characters, expected %d",
		    (long long) times[i], name, strlen(name),
		    SLOT_NAME_SIZE - 2);
		status = slot_from_name(name, &back);
		cr_assert_eq(status, 0, "\"%s\": status %d, expected 0", name,
		    status);
		cr_assert_eq(back, start, "\"%s\": %lld, expected %lld", name,
		    (long long) back, (long long) start);
	}
}

Test(slot, name_values)
{
	static const struct {
		time_t	time;
		const char *name;
	} cases[] = {
		{0, "19700101T0000Z"},
		{1796403659, "20261204T1700Z"},
		{1804089599, "20270303T1559Z"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[SLOT_NAME_SIZE];

		slot_name(cases[i].time, name);
		cr_assert_str_eq(name, cases[i].name, "%lld: \"%s\", expected "
		    "\"%s\"", (long long) cases[i].time, name, cases[i].name);
	}
}

Test(slot, name_invalid)
{
	static const char *const names[] = {
		"", "20261204T1521", "20261204T1521Z0", "20261204t1521Z",
		"20261204T1521z", "20261304T1521Z", "20261200T1521Z",
		"20260230T1521Z", "20261204X1521Z", "2026120AT1521Z",
		"20261204T2400Z", "20261204T1260Z", "20261204T15:1Z",
		"-0261204T1521Z",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		time_t slot = 12345;
		int status = slot_from_name(names[i], &slot);

		cr_assert_eq(status, -1, "\"%s\": status %d, expected -1 "
		    "(slot %lld)", names[i], status, (long long) slot);
	}
}
