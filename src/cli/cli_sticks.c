/* SPDX-License-Identifier: ISC */
/*
 * cli_sticks.c - qasid copy --plan --sticks: lays the bundles the plan
 * would copy over several sticks of given sizes, in order, so that a set
 * of volumes too large for one stick is carried on several, its parts in
 * order and each stick filled before the next is started.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_copy.h"

/* "8G,8G,16G": each a size as --volume-size takes. 0, or -1. */
int
copy_parse_sticks(struct copy *cp, const char *arg)
{
	const char *s = arg;
	char one[32];

	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		uint64_t *v;
		if (n == 0 || n >= sizeof(one))
			return -1;
		memcpy(one, s, n);
		one[n] = '\0';
		v = realloc(cp->sticks, (cp->nsticks + 1) * sizeof(*v));
		if (v == NULL)
			return -1;
		cp->sticks = v;
		if (cli_parse_size(one, &v[cp->nsticks++]) < 0)
			return -1;
		s += n + (s[n] == ',');
	}
	return cp->nsticks > 0 ? 0 : -1;
}

static void
say_stick(size_t i, const struct copy *cp, uint64_t used, unsigned count)
{
	if (cli.json)
		printf("{\"stick\":{\"index\":%zu,\"size\":%" PRIu64 ",\"bytes\""
		    ":%" PRIu64 ",\"bundles\":%u}}\n", i + 1, cp->sticks[i],
		    used, count);
	else
		printf("stick %zu of %zu: %u bundles, %" PRIu64 " of %" PRIu64
		    " bytes\n", i + 1, cp->nsticks, count, used, cp->sticks[i]);
}

static void
say_bundle(size_t i, const struct cand *c)
{
	if (cli.json) {
		printf("{\"stick\":%zu,\"bundle\":", i + 1);
		cli_json_str(c->path);
		printf(",\"size\":%" PRIu64 "}\n", c->size);
	} else {
		printf("  stick %zu: %s, %" PRIu64 " bytes\n", i + 1,
		    cli_safe(c->dest_name), c->size);
	}
}

/*
 * The planned bundles, in plan order (a set's parts in order), each onto
 * the first stick from the current one on that still has room: a bundle
 * larger than every stick, or one that finds no stick, is named. A
 * stick's size is what it holds, not counting what it holds already.
 */
void
copy_spread(const struct copy *cp)
{
	size_t i = 0;
	uint64_t used = 0;
	unsigned count = 0, left = 0;

	for (size_t k = 0; k < cp->nsrc; k++) {
		const struct cand *c = &cp->src[k];
		if (c->dest_name == NULL)
			continue;
		while (i < cp->nsticks && used + c->size > cp->sticks[i]) {
			say_stick(i++, cp, used, count);
			used = count = 0;
		}
		if (i == cp->nsticks) {
			left++;
			if (!cli.json)
				printf("  no stick: %s, %" PRIu64 " bytes\n",
				    cli_safe(c->dest_name), c->size);
			continue;
		}
		say_bundle(i, c);
		used += c->size;
		count++;
	}
	if (i < cp->nsticks)
		say_stick(i, cp, used, count);
	if (left > 0 && !cli.json)
		printf("%u bundles fit on none of the %zu sticks: NOT ENOUGH "
		    "SPACE\n", left, cp->nsticks);
	else if (cli.json)
		printf("{\"sticks\":{\"count\":%zu,\"left_over\":%u}}\n",
		    cp->nsticks, left);
}
