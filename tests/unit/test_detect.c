/*
 * Unit tests of the streaming detectors (lib/tsp_detect.h): every detector
 * against reference scores from scripts/gen-detect-fixtures (pandas,
 * scipy, loops written from the definitions), split runs through
 * save/load, corrupt entries, configuration messages, tails, warm-up,
 * missing and infinite values, reasons.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "ref_detect.h"
#include "tsp_detect.h"

#define NREF (sizeof(ref_cases) / sizeof(ref_cases[0]))

/* Equal within tol relative (absolute for magnitudes under 1), or both
 * NaN, or the same infinity. */
static int close_to(double a, double b, double tol)
{
	double m = fmax(1.0, fmax(fabs(a), fabs(b)));

	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (isinf(a) || isinf(b))
		return a == b;
	return fabs(a - b) <= tol * m;
}

/* The very same outputs (bit for bit, NaN equal to NaN). */
static int same_score(const struct tsp_score *a, const struct tsp_score *b)
{
	const double *x[] = { &a->score, &a->z, &a->expected, &a->lower,
			      &a->upper };
	const double *y[] = { &b->score, &b->z, &b->expected, &b->lower,
			      &b->upper };

	for (size_t i = 0; i < 5; i++)
		if (memcmp(x[i], y[i], sizeof(double)) != 0 &&
		    !(isnan(*x[i]) && isnan(*y[i])))
			return 0;
	return a->level == b->level && a->side == b->side;
}

static void ref_config(const struct ref_case *r, struct tsp_detect_config *c)
{
	tsp_detect_config_init(c, (enum tsp_detector)r->kind);
	c->tail = (enum tsp_tail)r->tail;
	c->weak = r->weak;
	c->strong = r->strong;
	c->warmup = r->warmup;
	c->level = r->level;
	c->window = r->window;
	c->target = r->target;
	c->sd = r->sd;
	c->slack = r->slack;
	c->alpha = r->alpha;
	c->beta = r->beta;
}

static struct tsp_obs ref_obs(const struct ref_case *r, size_t i)
{
	struct tsp_obs o = { r->x[i], NAN, NAN, NAN, NAN };

	if (r->residual) {
		o.forecast = ref_resF[i];
		o.sigma = ref_resSIG[i];
		o.lo = ref_resLO[i];
		o.hi = ref_resHI[i];
	}
	return o;
}

static struct tsp_detect *new_or_die(const struct tsp_detect_config *c)
{
	struct tsp_error err;
	struct tsp_detect *d = tsp_detect_new(c, &err);

	if (!d) {
		printf("tsp_detect_new: %s\n", err.msg);
		exit(1);
	}
	return d;
}

static int push(struct tsp_detect *d, const struct tsp_detect_config *c,
		double x, struct tsp_score *s)
{
	struct tsp_obs o = { x, NAN, NAN, NAN, NAN };
	struct tsp_error err;

	return tsp_detect_push(d, c, &o, s, &err);
}

/* --- reference numbers ------------------------------------------------ */

static void test_reference(void)
{
	for (size_t k = 0; k < NREF; k++) {
		const struct ref_case *r = &ref_cases[k];
		struct tsp_detect_config c;
		struct tsp_detect *d;
		struct tsp_error err;
		size_t bad = 0, flagged = 0;

		ref_config(r, &c);
		CHECK(tsp_detect_config_check(&c, &err) == 0, "%s: %s",
		      r->name, err.msg);
		d = new_or_die(&c);
		for (size_t i = 0; i < r->n; i++) {
			struct tsp_obs o = ref_obs(r, i);
			struct tsp_score s;
			int ok;

			if (tsp_detect_push(d, &c, &o, &s, &err) < 0) {
				CHECK(0, "%s[%zu]: %s", r->name, i, err.msg);
				break;
			}
			ok = close_to(s.score, r->score[i], r->tol) &&
				close_to(s.z, r->z[i], r->tol) &&
				close_to(s.expected, r->expected[i], r->tol) &&
				close_to(s.lower, r->lower[i], r->tol) &&
				close_to(s.upper, r->upper[i], r->tol) &&
				(int)s.level == r->lvl[i];
			if (!ok && bad++ < 3)
				printf("%s[%zu]: score %.17g/%.17g z %.17g/%.17g "
				       "exp %.17g/%.17g lo %.17g/%.17g "
				       "hi %.17g/%.17g level %d/%d\n", r->name,
				       i, s.score, r->score[i], s.z, r->z[i],
				       s.expected, r->expected[i], s.lower,
				       r->lower[i], s.upper, r->upper[i],
				       (int)s.level, r->lvl[i]);
			flagged += s.level == TSP_LEVEL_WEAK ||
				s.level == TSP_LEVEL_STRONG;
		}
		CHECK(bad == 0, "%s: %zu points differ from the reference",
		      r->name, bad);
		/* the fixtures are meant to flag something */
		CHECK(flagged > 0, "%s: nothing flagged", r->name);
		tsp_detect_free(d);
	}
}

/* --- save / load ------------------------------------------------------ */

/* Run case r in one go, and split after every point through save/load;
 * every split run must give the same outputs and the same final state. */
static void test_split(void)
{
	for (size_t k = 0; k < NREF; k++) {
		const struct ref_case *r = &ref_cases[k];
		struct tsp_detect_config c;
		struct tsp_score *one = malloc(r->n * sizeof(*one));
		struct tsp_params whole, p;
		struct tsp_detect *d;
		struct tsp_error err;
		size_t bad = 0;

		ref_config(r, &c);
		tsp_params_init(&whole);
		tsp_params_init(&p);
		d = new_or_die(&c);
		for (size_t i = 0; i < r->n; i++) {
			struct tsp_obs o = ref_obs(r, i);

			tsp_detect_push(d, &c, &o, &one[i], &err);
		}
		CHECK(tsp_detect_save(d, &c, "d1.", &whole, &err) == 0, "%s",
		      err.msg);
		tsp_detect_free(d);
		for (size_t cut = 0; cut <= r->n; cut++) {
			d = new_or_die(&c);
			for (size_t i = 0; i < r->n; i++) {
				struct tsp_obs o = ref_obs(r, i);
				struct tsp_score s;

				if (i == cut) {
					tsp_params_clear(&p);
					tsp_params_num(&p, "other", 1, &err);
					tsp_detect_save(d, &c, "d1.", &p, &err);
					tsp_detect_free(d);
					d = tsp_detect_load(&c, "d1.", p.buf,
							    p.len, &err);
					if (!d) {
						printf("%s: %s\n", r->name,
						       err.msg);
						exit(1);
					}
				}
				tsp_detect_push(d, &c, &o, &s, &err);
				bad += !same_score(&s, &one[i]);
			}
			tsp_params_clear(&p);
			tsp_detect_save(d, &c, "d1.", &p, &err);
			bad += p.len != whole.len ||
				memcmp(p.buf, whole.buf, p.len) != 0;
			tsp_detect_free(d);
		}
		CHECK(bad == 0, "%s: split runs differ (%zu)", r->name, bad);
		tsp_params_release(&whole);
		tsp_params_release(&p);
		free(one);
	}
}

/* A state of configuration c after values x[0..n), saved under "d0.". */
static void saved(const struct tsp_detect_config *c, const double *x,
		  size_t n, struct tsp_params *p)
{
	struct tsp_detect *d = new_or_die(c);
	struct tsp_error err;
	struct tsp_score s;

	for (size_t i = 0; i < n; i++)
		push(d, c, x[i], &s);
	tsp_params_init(p);
	tsp_detect_save(d, c, "d0.", p, &err);
	tsp_detect_free(d);
}

/* Load p with one item replaced (value v) or, with drop, left out. */
static void load_edited(const struct tsp_detect_config *c,
			const struct tsp_params *p, const char *item,
			int drop, const double *v, size_t nv,
			const char *want)
{
	struct tsp_params q;
	struct tsp_param it;
	struct tsp_error err;
	struct tsp_detect *d;
	size_t pos = 0;
	char name[300];

	tsp_params_init(&q);
	while (tsp_params_next(p->buf, p->len, &pos, &it) == 1) {
		snprintf(name, sizeof(name), "%.*s", (int)it.namelen, it.name);
		if (strcmp(name, item) != 0) {
			if (it.type == TSP_PARAM_NUM)
				tsp_params_num(&q, name, it.num, &err);
			else if (it.type == TSP_PARAM_STR) {
				char s[64];

				snprintf(s, sizeof(s), "%.*s", (int)it.n,
					 it.str);
				tsp_params_str(&q, name, s, &err);
			} else {
				double a[64];

				for (size_t i = 0; i < it.n && i < 64; i++)
					a[i] = tsp_param_at(&it, i);
				tsp_params_nums(&q, name, a, it.n, &err);
			}
		} else if (!drop) {
			if (nv == 1)
				tsp_params_num(&q, name, v[0], &err);
			else
				tsp_params_nums(&q, name, v, nv, &err);
		}
	}
	d = tsp_detect_load(c, "d0.", q.buf, q.len, &err);
	CHECK(!d && err.code == TSP_EDATA && strcmp(err.msg, want) == 0,
	      "%s %s: got %s '%s', want '%s'", tsp_detector_name(c->kind),
	      item, d ? "a state" : "error", d ? "" : err.msg, want);
	tsp_detect_free(d);
	tsp_params_release(&q);
}

static void test_corrupt(void)
{
	static const double x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct tsp_detect_config c;
	struct tsp_params p;
	struct tsp_error err;
	struct tsp_detect *d;
	const double half = 2.5, neg = -1, nan = NAN, inf = INFINITY;
	const double big[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	const double withnan[] = { 1, 2, NAN };

	/* hampel */
	tsp_detect_config_init(&c, TSP_DET_HAMPEL);
	c.window = 5;
	c.warmup = 3;
	saved(&c, x, 12, &p);
	load_edited(&c, &p, "d0.n", 1, NULL, 0,
		    "corrupt entry: bad or missing 'd0.n'");
	load_edited(&c, &p, "d0.n", 0, &half, 1,
		    "corrupt entry: bad or missing 'd0.n'");
	load_edited(&c, &p, "d0.n", 0, &neg, 1,
		    "corrupt entry: bad or missing 'd0.n'");
	load_edited(&c, &p, "d0.window", 1, NULL, 0,
		    "corrupt entry: bad or missing 'd0.window'");
	load_edited(&c, &p, "d0.window", 0, big, 13,	/* more than n */
		    "corrupt entry: bad or missing 'd0.window'");
	load_edited(&c, &p, "d0.window", 0, withnan, 3,
		    "corrupt entry: bad or missing 'd0.window'");
	load_edited(&c, &p, "d0.window", 0, &half, 1,	/* a number */
		    "corrupt entry: bad or missing 'd0.window'");
	load_edited(&c, &p, "d0.kind", 1, NULL, 0,
		    "corrupt entry: bad or missing 'd0.kind'");
	/* another prefix is another detector's */
	d = tsp_detect_load(&c, "d1.", p.buf, p.len, &err);
	CHECK(!d && err.code == TSP_EDATA, "prefix d1. loaded");
	/* another kind */
	tsp_detect_config_init(&c, TSP_DET_EWMA);
	d = tsp_detect_load(&c, "d0.", p.buf, p.len, &err);
	CHECK(!d && strcmp(err.msg, "corrupt entry: 'd0.kind' is 'hampel', "
			   "not 'ewma'") == 0, "got '%s'", d ? "" : err.msg);
	/* a truncated entry */
	d = tsp_detect_load(&c, "d0.", p.buf, p.len - 3, &err);
	CHECK(!d && err.code == TSP_EDATA, "truncated entry loaded");
	tsp_params_release(&p);

	/* ewma, warming up and after */
	tsp_detect_config_init(&c, TSP_DET_EWMA);
	c.warmup = 5;
	saved(&c, x, 3, &p);
	load_edited(&c, &p, "d0.m2", 0, &neg, 1,
		    "corrupt entry: bad or missing 'd0.m2'");
	load_edited(&c, &p, "d0.mean", 0, &nan, 1,
		    "corrupt entry: bad or missing 'd0.mean'");
	load_edited(&c, &p, "d0.ready", 0, &half, 1,
		    "corrupt entry: bad or missing 'd0.ready'");
	tsp_params_release(&p);
	saved(&c, x, 12, &p);
	load_edited(&c, &p, "d0.var", 0, &inf, 1,
		    "corrupt entry: bad or missing 'd0.var'");
	load_edited(&c, &p, "d0.mean", 0, &inf, 1,
		    "corrupt entry: bad or missing 'd0.mean'");
	tsp_params_release(&p);

	/* pewma */
	tsp_detect_config_init(&c, TSP_DET_PEWMA);
	c.warmup = 5;
	saved(&c, x, 12, &p);
	load_edited(&c, &p, "d0.var", 0, &neg, 1,
		    "corrupt entry: bad or missing 'd0.var'");
	load_edited(&c, &p, "d0.ready", 1, NULL, 0,
		    "corrupt entry: bad or missing 'd0.ready'");
	tsp_params_release(&p);

	/* cusum */
	tsp_detect_config_init(&c, TSP_DET_CUSUM);
	c.warmup = 5;
	saved(&c, x, 12, &p);
	load_edited(&c, &p, "d0.upper", 0, &neg, 1,
		    "corrupt entry: bad or missing 'd0.upper'");
	load_edited(&c, &p, "d0.lower", 0, &nan, 1,
		    "corrupt entry: bad or missing 'd0.lower'");
	load_edited(&c, &p, "d0.sd", 1, NULL, 0,
		    "corrupt entry: bad or missing 'd0.sd'");
	tsp_params_release(&p);
}

/* Random damage to saved entries: a load either fails with TSP_EDATA or
 * gives a state that scores without trouble (run under the sanitizers). */
static void test_fuzz(void)
{
	static const enum tsp_detector kinds[] = {
		TSP_DET_RESIDUAL, TSP_DET_THRESHOLD, TSP_DET_HAMPEL,
		TSP_DET_CUSUM, TSP_DET_EWMA, TSP_DET_PEWMA
	};
	uint32_t seed = 12345;
	size_t loaded = 0, rejected = 0, other = 0;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct tsp_detect_config c;
		struct tsp_params p;
		double x[40];

		tsp_detect_config_init(&c, kinds[k]);
		c.above = 20;
		c.window = 7;
		c.warmup = 4;
		for (size_t i = 0; i < 40; i++)
			x[i] = (double)(i % 7) + 0.25 * (double)(i % 3);
		saved(&c, x, 40, &p);
		for (int trial = 0; trial < 3000; trial++) {
			unsigned char *b = malloc(p.len);
			size_t len = p.len;
			struct tsp_error err;
			struct tsp_detect *d;

			memcpy(b, p.buf, p.len);
			for (int f = 0; f < 1 + trial % 3; f++) {
				seed = seed * 1103515245u + 12345u;
				b[(seed >> 8) % len] ^= (unsigned char)
					(1u << ((seed >> 4) % 8));
			}
			if (trial % 10 == 0)
				len = (seed >> 3) % (len + 1);
			d = tsp_detect_load(&c, "d0.", b, len, &err);
			if (d) {
				struct tsp_score s;

				loaded++;
				for (size_t i = 0; i < 10; i++)
					push(d, &c, x[i], &s);
			} else if (err.code == TSP_EDATA) {
				rejected++;
			} else {
				other++;
			}
			tsp_detect_free(d);
			free(b);
		}
		tsp_params_release(&p);
	}
	CHECK(other == 0 && rejected > 0 && loaded > 0,
	      "fuzz: %zu loaded, %zu rejected, %zu other", loaded, rejected,
	      other);
}

/* A saved window longer than the configured one keeps its newest values. */
static void test_window_change(void)
{
	static const double x[] = { 100, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct tsp_detect_config c;
	struct tsp_params p;
	struct tsp_error err;
	struct tsp_detect *d;
	struct tsp_score s;

	tsp_detect_config_init(&c, TSP_DET_HAMPEL);
	c.window = 9;
	c.warmup = 3;
	saved(&c, x, 9, &p);
	c.window = 3;
	d = tsp_detect_load(&c, "d0.", p.buf, p.len, &err);
	CHECK(d != NULL, "%s", err.msg);
	if (d) {
		push(d, &c, 7, &s);	/* window 6, 7, 8 */
		CHECK(s.expected == 7 && s.level == TSP_LEVEL_NORMAL,
		      "median %g", s.expected);
		push(d, &c, 7, &s);	/* window 7, 8, 7 */
		CHECK(s.expected == 7, "median %g", s.expected);
	}
	tsp_detect_free(d);
	tsp_params_release(&p);
}

/* --- names and configuration ------------------------------------------ */

static void test_names(void)
{
	enum tsp_level l;
	enum tsp_detector d;

	CHECK_STR(tsp_level_name(TSP_LEVEL_STRONG), "STRONG");
	CHECK_STR(tsp_level_name(TSP_LEVEL_UNKNOWN), "UNKNOWN");
	CHECK(tsp_level_parse("weak", &l) == 0 && l == TSP_LEVEL_WEAK, "weak");
	CHECK(tsp_level_parse("WarmUp", &l) == 0 && l == TSP_LEVEL_WARMUP,
	      "WarmUp");
	CHECK(tsp_level_parse("bad", &l) < 0, "bad level");
	CHECK(tsp_level_parse("", &l) < 0, "empty level");
	for (int i = 0; i <= TSP_DET_GMM; i++) {
		CHECK(tsp_detector_parse(tsp_detector_name(
			(enum tsp_detector)i), &d) == 0 && (int)d == i,
		      "detector %d", i);
	}
	CHECK(tsp_detector_parse("gmm", &d) == 0 && d == TSP_DET_GMM, "gmm");
	CHECK_STR(tsp_detector_name(TSP_DET_PEWMA), "pewma");
	CHECK(tsp_detector_parse("ewm", &d) < 0, "ewm");
	CHECK(tsp_detector_parse("ewmax", &d) < 0, "ewmax");
}

static void test_defaults(void)
{
	static const size_t warm[] = { 0, 0, 16, 30, 30, 30 };
	struct tsp_detect_config c;
	struct tsp_error err;

	for (int k = 0; k <= TSP_DET_PEWMA; k++) {
		tsp_detect_config_init(&c, (enum tsp_detector)k);
		CHECK(c.warmup == warm[k], "%d: warmup %zu", k, c.warmup);
		CHECK(c.weak == (k == TSP_DET_CUSUM ? 4 : 3) &&
		      c.strong == (k == TSP_DET_CUSUM ? 5 : 4), "%d: limits",
		      k);
		CHECK(c.tail == TSP_TAIL_BOTH && c.level == 95 &&
		      c.window == 31 && c.slack == 0.5 && c.alpha == 0.1 &&
		      c.beta == 0.5 && isnan(c.target) && isnan(c.sd) &&
		      isnan(c.above) && isnan(c.strong_below), "%d: defaults",
		      k);
		/* every default is valid but threshold's, which needs a
		   limit */
		CHECK((tsp_detect_config_check(&c, &err) == 0) ==
		      (k != TSP_DET_THRESHOLD), "%d: check", k);
	}
}

/* Configuration kind (with above = 10) changed by stmt, through c, must
 * give the message want, in the check and in tsp_detect_new. */
#define BADCFG(kind, stmt, want) do { \
	struct tsp_detect_config c_; \
	struct tsp_error e_; \
	struct tsp_detect *d_; \
	tsp_detect_config_init(&c_, kind); \
	c_.above = 10; \
	{ struct tsp_detect_config *c = &c_; stmt; } \
	CHECK(tsp_detect_config_check(&c_, &e_) < 0 && \
	      e_.code == TSP_EUSAGE && strcmp(e_.msg, want) == 0, \
	      "%s: got '%s', want '%s'", #stmt, e_.msg, want); \
	d_ = tsp_detect_new(&c_, &e_); \
	CHECK(!d_ && e_.code == TSP_EUSAGE, "%s: new accepted it", #stmt); \
	tsp_detect_free(d_); \
} while (0)

static void test_config_check(void)
{
	struct tsp_detect_config ok;
	struct tsp_error err;

	BADCFG(TSP_DET_EWMA, c->weak = 5, "--weak must not exceed --strong");
	BADCFG(TSP_DET_EWMA, c->weak = 0, "--weak must be a positive number");
	BADCFG(TSP_DET_EWMA, c->weak = NAN,
	       "--weak must be a positive number");
	BADCFG(TSP_DET_EWMA, c->strong = INFINITY,
	       "--strong must be a positive number");
	BADCFG(TSP_DET_EWMA, c->alpha = 0, "--alpha must be in (0, 1]");
	BADCFG(TSP_DET_EWMA, c->alpha = 1.5, "--alpha must be in (0, 1]");
	BADCFG(TSP_DET_EWMA, c->warmup = 1,
	       "--warmup must be at least 2 for ewma");
	BADCFG(TSP_DET_PEWMA, c->beta = -0.1,
	       "--beta must be between 0 and 1");
	BADCFG(TSP_DET_PEWMA, c->warmup = 0,
	       "--warmup must be at least 2 for pewma");
	BADCFG(TSP_DET_EWMA, c->tail = (enum tsp_tail)7,
	       "--tail must be both, upper or lower");
	BADCFG(TSP_DET_RESIDUAL, c->level = 100,
	       "--level must be between 0 and 100");
	BADCFG(TSP_DET_RESIDUAL, c->level = 0,
	       "--level must be between 0 and 100");
	BADCFG(TSP_DET_HAMPEL, c->window = 2,
	       "--window must be 3 to 100000 values");
	BADCFG(TSP_DET_HAMPEL, c->window = TSP_DETECT_MAXWINDOW + 1,
	       "--window must be 3 to 100000 values");
	BADCFG(TSP_DET_HAMPEL, c->warmup = 0,
	       "--warmup must be at least 1 for hampel");
	BADCFG(TSP_DET_CUSUM, c->slack = -1, "--slack must be a number >= 0");
	BADCFG(TSP_DET_CUSUM, c->sd = 0, "--sd must be a positive number");
	BADCFG(TSP_DET_CUSUM, c->target = INFINITY,
	       "--target must be a finite number");
	BADCFG(TSP_DET_CUSUM, c->warmup = 1,
	       "--warmup must be at least 2 for cusum without --sd");
	BADCFG(TSP_DET_CUSUM, (c->warmup = 0, c->sd = 1),
	       "--warmup must be at least 1 for cusum without --target");
	BADCFG(TSP_DET_THRESHOLD, c->above = NAN,
	       "the threshold detector needs --above, --below, "
	       "--strong-above or --strong-below");
	BADCFG(TSP_DET_THRESHOLD, c->tail = TSP_TAIL_LOWER,
	       "--tail lower needs --below or --strong-below");
	BADCFG(TSP_DET_THRESHOLD, (c->above = NAN, c->below = 1,
				   c->tail = TSP_TAIL_UPPER),
	       "--tail upper needs --above or --strong-above");
	BADCFG(TSP_DET_THRESHOLD, c->strong_above = 5,
	       "--above must not exceed --strong-above");
	BADCFG(TSP_DET_THRESHOLD, (c->below = 3, c->strong_below = 4),
	       "--below must not be under --strong-below");
	BADCFG(TSP_DET_THRESHOLD, c->below = 10,
	       "the lower limits must be under the upper limits");
	BADCFG(TSP_DET_THRESHOLD, c->below = -INFINITY,
	       "threshold limits must be finite numbers");
	BADCFG(TSP_DET_GMM, (void)c,
	       "no such detector here (gmm is tsp_gmm's)");

	/* what is allowed */
	tsp_detect_config_init(&ok, TSP_DET_THRESHOLD);
	ok.strong_below = 1;	/* a strong limit alone */
	CHECK(tsp_detect_config_check(&ok, &err) == 0, "%s", err.msg);
	tsp_detect_config_init(&ok, TSP_DET_CUSUM);
	ok.target = 3;
	ok.sd = 1;
	ok.warmup = 0;
	CHECK(tsp_detect_config_check(&ok, &err) == 0, "%s", err.msg);
	ok.weak = ok.strong = 4;
	CHECK(tsp_detect_config_check(&ok, &err) == 0, "%s", err.msg);
}

/* --- behaviour by hand ------------------------------------------------ */

/* The saved state, to see whether a call changed it. */
static void snapshot(const struct tsp_detect *d,
		     const struct tsp_detect_config *c, struct tsp_params *p)
{
	struct tsp_error err;

	tsp_params_clear(p);
	tsp_detect_save(d, c, "", p, &err);
}

static int same_params(const struct tsp_params *a,
		       const struct tsp_params *b)
{
	return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

/* NaN is UNKNOWN and changes nothing; +-Inf are never learned, and after
 * the warm-up score +Inf on their side. */
static void test_missing_inf(void)
{
	for (int k = 0; k <= TSP_DET_PEWMA; k++) {
		struct tsp_detect_config c;
		struct tsp_detect *d;
		struct tsp_params a, b;
		struct tsp_score s;
		const char *name = tsp_detector_name((enum tsp_detector)k);

		tsp_detect_config_init(&c, (enum tsp_detector)k);
		c.above = 20;
		c.below = 0;
		c.warmup = 5;
		c.window = 5;
		d = new_or_die(&c);
		tsp_params_init(&a);
		tsp_params_init(&b);
		for (int i = 0; i < 20; i++) {
			struct tsp_obs o = { 5 + (i % 4), 6, 1, NAN, NAN };
			struct tsp_error err;

			snapshot(d, &c, &a);
			o.value = NAN;
			tsp_detect_push(d, &c, &o, &s, &err);
			snapshot(d, &c, &b);
			CHECK(s.level == TSP_LEVEL_UNKNOWN && isnan(s.score) &&
			      isnan(s.z) && same_params(&a, &b),
			      "%s: NaN at %d", name, i);
			o.value = i % 2 ? INFINITY : -INFINITY;
			tsp_detect_push(d, &c, &o, &s, &err);
			snapshot(d, &c, &b);
			CHECK(same_params(&a, &b), "%s: Inf learned", name);
			if (i < 10) {	/* still warming up: no value learned */
				CHECK(s.level == TSP_LEVEL_WARMUP &&
				      isnan(s.score), "%s: Inf at %d", name,
				      i);
			} else if (k == TSP_DET_THRESHOLD) {
				CHECK(s.level == TSP_LEVEL_WEAK &&
				      s.side == (i % 2 ? 1 : -1),
				      "%s: Inf level %d", name, s.level);
			} else {
				CHECK(s.level == TSP_LEVEL_STRONG &&
				      s.score == INFINITY &&
				      s.side == (i % 2 ? 1 : -1) &&
				      s.z == o.value,
				      "%s: Inf at %d: level %d score %g",
				      name, i, s.level, s.score);
			}
			if (i < 10 && i % 2) {	/* learn one now and then */
				o.value = 5 + (i % 4);
				tsp_detect_push(d, &c, &o, &s, &err);
			}
		}
		/* the side --tail ignores */
		c.tail = TSP_TAIL_UPPER;
		if (k != TSP_DET_THRESHOLD) {
			struct tsp_obs o = { -INFINITY, 6, 1, NAN, NAN };
			struct tsp_error err;

			tsp_detect_push(d, &c, &o, &s, &err);
			CHECK(s.level == TSP_LEVEL_NORMAL && s.score == 0 &&
			      s.z == -INFINITY && isnan(s.lower),
			      "%s: -Inf, upper tail: level %d score %g", name,
			      s.level, s.score);
		}
		tsp_params_release(&a);
		tsp_params_release(&b);
		tsp_detect_free(d);
	}
}

/* Each kind says WARMUP for exactly its first `warmup` values; missing
 * values in between do not count. */
static void test_warmup(void)
{
	for (int k = 0; k <= TSP_DET_PEWMA; k++) {
		for (size_t w = 0; w <= 7; w++) {
			struct tsp_detect_config c;
			struct tsp_detect *d;
			struct tsp_error err;
			size_t seen = 0, bad = 0;

			tsp_detect_config_init(&c, (enum tsp_detector)k);
			c.above = 100;
			c.warmup = w;
			c.sd = 1;
			c.target = 5;
			if (tsp_detect_config_check(&c, &err) < 0)
				continue;	/* too short for this kind */
			d = new_or_die(&c);
			for (int i = 0; i < 30; i++) {
				struct tsp_obs o = { i % 3 ? 5 + i % 2 : NAN,
						     5, 1, NAN, NAN };
				struct tsp_score s;

				tsp_detect_push(d, &c, &o, &s, &err);
				if (isnan(o.value))
					bad += s.level != TSP_LEVEL_UNKNOWN;
				else
					bad += (s.level == TSP_LEVEL_WARMUP) !=
						(seen++ < w);
			}
			CHECK(bad == 0, "%s warmup %zu: %zu wrong",
			      tsp_detector_name((enum tsp_detector)k), w, bad);
			tsp_detect_free(d);
		}
	}
}

static void test_threshold(void)
{
	struct tsp_detect_config c;
	struct tsp_detect *d;
	struct tsp_score s;
	static const struct {
		double x;
		enum tsp_level level;
		int side;
	} both[] = {
		{ 5, TSP_LEVEL_NORMAL, 0 }, { 10, TSP_LEVEL_WEAK, 1 },
		{ 19.9, TSP_LEVEL_WEAK, 1 }, { 20, TSP_LEVEL_STRONG, 1 },
		{ 2, TSP_LEVEL_WEAK, -1 }, { 2.01, TSP_LEVEL_NORMAL, 0 },
		{ -1e9, TSP_LEVEL_WEAK, -1 }, { 9.99, TSP_LEVEL_NORMAL, 0 },
	};

	tsp_detect_config_init(&c, TSP_DET_THRESHOLD);
	c.above = 10;
	c.strong_above = 20;
	c.below = 2;
	c.weak = 1;
	c.strong = 7;
	d = new_or_die(&c);
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		push(d, &c, both[i].x, &s);
		CHECK(s.level == both[i].level && s.side == both[i].side &&
		      s.score == (s.level == TSP_LEVEL_STRONG ? 7 :
				  s.level == TSP_LEVEL_WEAK ? 1 : 0) &&
		      isnan(s.z) && isnan(s.expected) && s.lower == 2 &&
		      s.upper == 10, "threshold %g: level %d side %d score %g",
		      both[i].x, s.level, s.side, s.score);
	}
	/* --tail upper ignores the lower limit */
	c.tail = TSP_TAIL_UPPER;
	push(d, &c, 1, &s);
	CHECK(s.level == TSP_LEVEL_NORMAL && s.score == 0 && isnan(s.lower) &&
	      s.upper == 10, "tail upper: level %d", s.level);
	tsp_detect_free(d);

	/* strong limits alone: the band is theirs */
	tsp_detect_config_init(&c, TSP_DET_THRESHOLD);
	c.strong_below = -5;
	d = new_or_die(&c);
	push(d, &c, -5, &s);
	CHECK(s.level == TSP_LEVEL_STRONG && s.score == 4 && s.side == -1 &&
	      s.lower == -5 && isnan(s.upper), "strong only: level %d",
	      s.level);
	push(d, &c, 1e300, &s);
	CHECK(s.level == TSP_LEVEL_NORMAL, "strong only: %d", s.level);
	tsp_detect_free(d);
}

static void test_residual(void)
{
	struct tsp_detect_config c;
	struct tsp_detect *d;
	struct tsp_error err;
	struct tsp_score s;
	struct tsp_obs o = { 12, 10, NAN, NAN, NAN };
	double q = 1.959963984540054;	/* qnorm(0.975) */

	tsp_detect_config_init(&c, TSP_DET_RESIDUAL);
	d = new_or_die(&c);
	CHECK(tsp_detect_push(d, &c, &o, &s, &err) < 0 &&
	      err.code == TSP_EDATA && strcmp(err.msg, "no sigma, lo or hi "
					      "for the residual detector") == 0,
	      "no sigma: '%s'", err.msg);
	o.sigma = -1;
	o.lo = 11;		/* on the wrong side of the forecast */
	CHECK(tsp_detect_push(d, &c, &o, &s, &err) < 0, "bad lo/hi accepted");
	/* a lone hi serves both sides */
	o.hi = 14;
	o.value = 8;
	CHECK(tsp_detect_push(d, &c, &o, &s, &err) == 0 &&
	      close_to(s.z, -2 / (4 / q), 1e-14) &&
	      close_to(s.lower, 10 - 3 * 4 / q, 1e-14) &&
	      close_to(s.upper, 10 + 3 * 4 / q, 1e-14) && s.side == -1,
	      "lone hi: z %.17g", s.z);
	/* zero width: the floor */
	o.sigma = 0;
	o.lo = o.hi = NAN;
	o.value = 10;
	tsp_detect_push(d, &c, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_NORMAL && s.score == 0, "at a flat forecast");
	o.value = 10.001;
	tsp_detect_push(d, &c, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_STRONG && close_to(s.z, 1e5, 1e-6),
	      "off a flat forecast: z %g", s.z);
	o.sigma = NAN;
	o.lo = o.hi = 10;
	tsp_detect_push(d, &c, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_STRONG, "lo = hi = forecast: %d", s.level);
	/* no forecast: no expectation */
	o.forecast = NAN;
	CHECK(tsp_detect_push(d, &c, &o, &s, &err) == 0 &&
	      s.level == TSP_LEVEL_UNKNOWN && isnan(s.score), "no forecast");
	o.forecast = INFINITY;
	CHECK(tsp_detect_push(d, &c, &o, &s, &err) == 0 &&
	      s.level == TSP_LEVEL_UNKNOWN, "infinite forecast");
	tsp_detect_free(d);
}

/* A flat series: repeats score 0, any step off it is STRONG (the floor);
 * a mostly-zero counter flags its rare 1s through the mean absolute
 * deviation. */
static void test_flat(void)
{
	for (int k = TSP_DET_HAMPEL; k <= TSP_DET_PEWMA; k++) {
		struct tsp_detect_config c;
		struct tsp_detect *d;
		struct tsp_score s;
		const char *name = tsp_detector_name((enum tsp_detector)k);

		tsp_detect_config_init(&c, (enum tsp_detector)k);
		c.warmup = 5;
		d = new_or_die(&c);
		for (int i = 0; i < 12; i++) {
			push(d, &c, 7, &s);
			if (i >= 5)
				CHECK(s.level == TSP_LEVEL_NORMAL &&
				      s.score == 0 && s.expected == 7,
				      "%s: repeat %d: level %d score %g",
				      name, i, s.level, s.score);
		}
		push(d, &c, 7 + 1e-6, &s);
		CHECK(s.level == TSP_LEVEL_STRONG && close_to(s.z, 1e-6 / 7e-9,
							       1e-6),
		      "%s: step: z %g", name, s.z);
		tsp_detect_free(d);
	}
}

/* hampel on windows beyond the stack buffer, against sorting. */
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double sorted_median(double *a, size_t n)
{
	qsort(a, n, sizeof(double), cmp);
	return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

static void test_hampel_big(void)
{
	struct tsp_detect_config c;
	struct tsp_detect *d;
	size_t n = 3000, bad = 0;
	double *x = malloc(n * sizeof(double));
	double *a = malloc(n * sizeof(double));
	uint32_t seed = 7;

	tsp_detect_config_init(&c, TSP_DET_HAMPEL);
	c.window = 701;
	c.warmup = 20;
	d = new_or_die(&c);
	for (size_t i = 0; i < n; i++) {
		struct tsp_score s;

		seed = seed * 1664525u + 1013904223u;
		/* many repeats, some runs, a drift */
		x[i] = (double)((seed >> 16) % 13) + (double)(i / 500);
		push(d, &c, x[i], &s);
		if (i >= c.warmup) {
			size_t k = i < c.window ? i : c.window;
			double m, mad, sc;

			memcpy(a, x + i - k, k * sizeof(double));
			m = sorted_median(a, k);
			for (size_t j = 0; j < k; j++)
				a[j] = fabs(x[i - k + j] - m);
			mad = sorted_median(a, k);
			sc = 1.4826 * mad;
			bad += s.expected != m ||
				!close_to(s.z, (x[i] - m) / sc, 1e-14);
		}
	}
	CHECK(bad == 0, "hampel window 701: %zu differ", bad);
	tsp_detect_free(d);
	free(x);
	free(a);
}

static void test_reason(void)
{
	struct tsp_detect_config c;
	struct tsp_obs o = { 12.5, NAN, NAN, NAN, NAN };
	struct tsp_score s = { 4.2, 4.2, 8.1, 6.2, 10, TSP_LEVEL_WEAK, 1 };
	char buf[256];

	tsp_detect_config_init(&c, TSP_DET_HAMPEL);
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "hampel: 12.5 above median 8.1 (normal 6.2..10), z=4.2");
	c.kind = TSP_DET_EWMA;
	s.z = 4.2123456;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "ewma: 12.5 above expected 8.1 (normal 6.2..10), z=4.212");
	c.kind = TSP_DET_RESIDUAL;
	o.value = 3;
	s.z = -7;
	s.side = -1;
	s.upper = NAN;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "residual: 3 below forecast 8.1 (normal from 6.2), z=-7");
	c.kind = TSP_DET_CUSUM;
	s.score = 5.31;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "cusum: 3 drifting below target 8.1 (normal from 6.2), "
		  "sum=5.31");
	c.kind = TSP_DET_THRESHOLD;
	c.above = 10;
	c.strong_above = 20;
	o.value = 25;
	s.side = 1;
	s.level = TSP_LEVEL_STRONG;
	s.lower = NAN;
	s.upper = 10;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "threshold: 25 above strong limit 20 (normal up to 10)");
	s.level = TSP_LEVEL_WARMUP;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "threshold: warming up");
	s.level = TSP_LEVEL_UNKNOWN;
	o.value = NAN;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "threshold: no value");
	c.kind = TSP_DET_RESIDUAL;
	o.value = 1;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, sizeof(buf)),
		  "residual: no forecast");
	/* cut to the buffer, NUL included */
	c.kind = TSP_DET_HAMPEL;
	s.level = TSP_LEVEL_WEAK;
	s.lower = 6.2;
	CHECK_STR(tsp_detect_reason(&c, &o, &s, buf, 12), "hampel: 1 a");
	buf[0] = 'x';
	tsp_detect_reason(&c, &o, &s, buf, 0);
	CHECK(buf[0] == 'x', "n = 0 wrote");
}

int main(void)
{
	test_names();
	test_defaults();
	test_config_check();
	test_missing_inf();
	test_warmup();
	test_threshold();
	test_residual();
	test_flat();
	test_hampel_big();
	test_reason();
	test_reference();
	test_split();
	test_corrupt();
	test_fuzz();
	test_window_change();
	return t_done();
}
