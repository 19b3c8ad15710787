/*
 * Unit tests for wall_clock: the offset that tests set and the ISO 8601
 * format of slot lines.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <time.h>

#include "wall_clock.h"

struct offset_case {
	const char *text;
	int	status;
	long long offset_ms;		/* when status is 0 */
};

static const struct offset_case offset_cases[] = {
	{ NULL, 0, 0 },
	{ "", 0, 0 },
	{ "60", 0, 60000 },
	{ "-9650.5745", 0, -9650575 },
	{ "0.0004", 0, 0 },
	{ "1e9", 0, 1000000000000LL },
	{ "1e10", -1, 0 },
	{ "soon", -1, 0 },
	{ "5s", -1, 0 },
	{ "nan", -1, 0 },
	{ "inf", -1, 0 },
};

Test(wall_clock, offset)
{
	size_t	i;

	for (i = 0; i < sizeof(offset_cases) / sizeof(offset_cases[0]); i++) {
		const struct offset_case *c = &offset_cases[i];
		long long before, got, after;
		int	status;

		wall_clock_set_offset(NULL);
		before = wall_clock_now_ms();
		status = wall_clock_set_offset(c->text);
		got = wall_clock_now_ms();
		wall_clock_set_offset(NULL);
		after = wall_clock_now_ms();
		cr_expect_eq(status, c->status, "\"%s\": status %d, expected "
		    "%d", c->text ? c->text : "(null)", status, c->status);
		if (status != 0)
			continue;
		cr_expect(got - c->offset_ms >= before &&
		    got - c->offset_ms <= after, "\"%s\": clock %lld is not "
		    "%lld ms after the real clock (%lld to %lld)",
		    c->text ? c->text : "(null)", got, c->offset_ms, before,
		    after);
	}
}

Test(wall_clock, invalid_offset_keeps_old)
{
	long long before, got;

	cr_assert_eq(wall_clock_set_offset("3600"), 0);
	before = wall_clock_now_ms();
	cr_expect_eq(wall_clock_set_offset("later"), -1);
	got = wall_clock_now_ms();
	wall_clock_set_offset(NULL);
	cr_expect(got >= before && got - before < 1000, "the clock moved "
	    "from %lld to %lld after an invalid offset", before, got);
}

struct format_case {
	long long ms;
	const char *expected;
};

static const struct format_case format_cases[] = {
	{ 1796397660000LL, "2026-12-04T15:21:00.000Z" },
	{ 1796397660004LL, "2026-12-04T15:21:00.004Z" },
	{ 1796397719999LL, "2026-12-04T15:21:59.999Z" },
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },
};

Test(wall_clock, format)
{
	char	text[WALL_CLOCK_TEXT_SIZE];
	size_t	i;

	for (i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		wall_clock_format(format_cases[i].ms, text);
		cr_expect_str_eq(text, format_cases[i].expected, "%lld ms: "
		    "got %s, expected %s", format_cases[i].ms, text,
		    format_cases[i].expected);
	}
}
