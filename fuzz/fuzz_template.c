/*
 * libFuzzer target: the placeholder engine. The input is compiled as a
 * body template and rendered with values that need HTML escaping, in
 * both escape modes.
 */
#include <stddef.h>
#include <stdint.h>

#include "generator.h"
#include "template.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *values[BODY_PLACEHOLDER_COUNT];
	struct buf error = BUF_INIT, output = BUF_INIT;
	struct template *template;
	size_t i;

	for (i = 0; i < BODY_PLACEHOLDER_COUNT; i++)
		values[i] = i % 3 == 0 ? "<a href=\"x\">&'</a>" : i % 3 == 1
		    ? "" : NULL;
	template = template_compile((const char *) data, size,
	    body_placeholder_names, BODY_PLACEHOLDER_COUNT, "fuzz.txt", 1,
	    &error);
	if (template != NULL) {
		template_render(template, values, TEMPLATE_ESCAPE_HTML, &output);
		template_render(template, values, TEMPLATE_ESCAPE_NONE, &output);
		for (i = 0; i <= BODY_PLACEHOLDER_COUNT; i++)
			(void) template_uses(template, i);
		template_free(template);
	}
	buf_free(&error);
	buf_free(&output);
	return 0;
}
