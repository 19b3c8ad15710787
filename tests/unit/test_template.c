/*
 * Unit tests for template: placeholder parsing, rendering, HTML escaping
 * and the compile errors with their file:line locations.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "buf.h"
#include "template.h"

enum test_name {
	NAME,
	TOP,
	EMPTY,
	TEST_NAME_COUNT
};

static const char *const names[] = {"name", "top", "empty"};

struct render_case {
	const char *label;
	const char *text;
	enum template_escape escape;
	const char *expected;
};

/* Values used by every render case. */
static const char *const values[TEST_NAME_COUNT] = {
	[NAME] = "Ann & <Bob> \"B\" 'C'",
	[TOP] = "T",
	[EMPTY] = NULL,
};

static const struct render_case render_cases[] = {
	{"no placeholder", "plain text", TEMPLATE_ESCAPE_NONE, "plain text"},
	{"empty text", "", TEMPLATE_ESCAPE_NONE, ""},
	{"tight braces", "x{{top}}y", TEMPLATE_ESCAPE_NONE, "xTy"},
	{"inner spaces", "x{{ top }}y", TEMPLATE_ESCAPE_NONE, "xTy"},
	{"inner tabs", "x{{\ttop\t}}y", TEMPLATE_ESCAPE_NONE, "xTy"},
	{"at start", "{{top}} end", TEMPLATE_ESCAPE_NONE, "T end"},
	{"at end", "start {{top}}", TEMPLATE_ESCAPE_NONE, "start T"},
	{"alone", "{{top}}", TEMPLATE_ESCAPE_NONE, "T"},
	{"adjacent", "{{top}}{{top}}{{ top }}", TEMPLATE_ESCAPE_NONE, "TTT"},
	{"NULL value", "a{{empty}}b", TEMPLATE_ESCAPE_NONE, "ab"},
	{"single braces", "{top} }} {x}", TEMPLATE_ESCAPE_NONE,
	    "{top} }} {x}"},
	{"line breaks kept", "a\n{{top}}\r\nb\n", TEMPLATE_ESCAPE_NONE,
	    "a\nT\r\nb\n"},
	{"raw value", "{{name}}", TEMPLATE_ESCAPE_NONE,
	    "Ann & <Bob> \"B\" 'C'"},
	{"escaped value", "<p>{{name}}</p>", TEMPLATE_ESCAPE_HTML,
	    "<p>Ann &amp; &lt;Bob&gt; &quot;B&quot; &#39;C&#39;</p>"},
	{"literal not escaped", "<a href=\"x?a=1&b=2\">{{top}}</a>",
	    TEMPLATE_ESCAPE_HTML, "<a href=\"x?a=1&b=2\">T</a>"},
	{"UTF-8 kept", "Caf\xc3\xa9 {{top}} \xf0\x9f\x94\xa5",
	    TEMPLATE_ESCAPE_HTML, "Caf\xc3\xa9 T \xf0\x9f\x94\xa5"},
};

Test(template, render_cases)
{
	size_t i;

	for (i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
		const struct render_case *test = &render_cases[i];
		struct buf error = BUF_INIT, output = BUF_INIT;
		struct template *template;
		const char *got;

		template = template_compile(test->text, strlen(test->text),
		    names, TEST_NAME_COUNT, "t.txt", 1, &error);
		cr_assert_not_null(template, "%s: compile \"%s\" failed: %s",
		    test->label, test->text, error.data ? error.data : "");
		template_render(template, values, test->escape, &output);
		got = output.data ? output.data : "";
		cr_assert_str_eq(got, test->expected, "%s: \"%s\" rendered as "
		    "\"%s\", expected \"%s\"", test->label, test->text, got,
		    test->expected);
		cr_assert_eq(output.length, strlen(test->expected), "%s: "
		    "length %zu, expected %zu", test->label, output.length,
		    strlen(test->expected));
		template_free(template);
		buf_free(&output);
		buf_free(&error);
	}
}

struct error_case {
	const char *label;
	const char *text;
	size_t	first_line;
	const char *location;		/* the message must contain these */
	const char *detail;
};

static const struct error_case error_cases[] = {
	{"unknown name", "Hi {{nope}}", 1, "t.txt:1:", "{{nope}}"},
	{"unknown, later line", "a\nb\nc {{nope}} d", 1, "t.txt:3:",
	    "{{nope}}"},
	{"unknown, offset start", "a\n{{ nope }}", 40, "t.txt:41:", "nope"},
	{"unknown after a known one", "{{top}}\n{{name}} {{x_job}}", 1,
	    "t.txt:2:", "{{x_job}}"},
	{"empty name", "x {{}} y", 1, "t.txt:1:", "{{}}"},
	{"case differs", "{{Name}}", 1, "t.txt:1:", "{{Name}}"},
	{"unclosed", "a\nb {{name", 1, "t.txt:2:", "{{"},
	{"unclosed at end", "a {{", 1, "t.txt:1:", "{{"},
	{"closed on the next line", "x {{name\n}} y", 1, "t.txt:1:", "{{"},
	{"single closing brace", "x {{name} y", 1, "t.txt:1:", "{{"},
};

Test(template, compile_errors)
{
	size_t i;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *test = &error_cases[i];
		struct buf error = BUF_INIT;
		struct template *template;

		template = template_compile(test->text, strlen(test->text),
		    names, TEST_NAME_COUNT, "t.txt", test->first_line, &error);
		cr_assert_null(template, "%s: \"%s\" compiled, expected an "
		    "error", test->label, test->text);
		cr_assert_not_null(error.data, "%s: no error message",
		    test->label);
		cr_assert(strstr(error.data, test->location), "%s: message "
		    "\"%s\" does not contain \"%s\"", test->label, error.data,
		    test->location);
		cr_assert(strstr(error.data, test->detail), "%s: message "
		    "\"%s\" does not contain \"%s\"", test->label, error.data,
		    test->detail);
		buf_free(&error);
	}
}

Test(template, unknown_lists_known)
{
	struct buf error = BUF_INIT;
	struct template *template;

	template = template_compile("{{nope}}", 8, names, TEST_NAME_COUNT,
	    "t.txt", 1, &error);
	cr_assert_null(template, "\"{{nope}}\" compiled, expected an error");
	cr_assert(strstr(error.data, "{{name}}") && strstr(error.data,
	    "{{top}}") && strstr(error.data, "{{empty}}"), "message \"%s\" "
	    "does not list {{name}}, {{top}} and {{empty}}", error.data);
	buf_free(&error);
}

Test(template, uses)
{
	struct buf error = BUF_INIT;
	struct template *template;

	template = template_compile("a {{ top }} b", 13, names,
	    TEST_NAME_COUNT, "t.txt", 1, &error);
	cr_assert_not_null(template, "compile failed: %s",
	    error.data ? error.data : "");
	cr_assert_eq(template_uses(template, TOP), 1, "uses top: %d, "
	    "expected 1", template_uses(template, TOP));
	cr_assert_eq(template_uses(template, NAME), 0, "uses name: %d, "
	    "expected 0", template_uses(template, NAME));
	template_free(template);
	buf_free(&error);
}

Test(template, escape_html)
{
	static const struct {
		const char *input;
		const char *expected;
	} cases[] = {
		{"", ""},
		{"plain", "plain"},
		{"&", "&amp;"},
		{"<", "&lt;"},
		{">", "&gt;"},
		{"\"", "&quot;"},
		{"'", "&#39;"},
		{"&amp;", "&amp;amp;"},
		{"a<b>c&d\"e'f", "a&lt;b&gt;c&amp;d&quot;e&#39;f"},
		{"Caf\xc3\xa9 & \xf0\x9f\x94\xa5", "Caf\xc3\xa9 &amp; "
		    "\xf0\x9f\x94\xa5"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf output = BUF_INIT;
		const char *got;

		template_escape_html(cases[i].input, &output);
		got = output.data ? output.data : "";
		cr_assert_str_eq(got, cases[i].expected, "escape \"%s\": "
		    "\"%s\", expected \"%s\"", cases[i].input, got,
		    cases[i].expected);
		buf_free(&output);
	}
}
