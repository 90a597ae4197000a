/* Features of incidents: history from earlier incidents only (no label
 * from the future), every column of a row written, the definition and
 * the history saved and loaded, time zones, reasons, the noise report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "tsp_features.h"
#include "tsp_noise.h"
#include "tsp_tz.h"

static int read_text(const char *text, struct tsp_incmap *m,
		     struct tsp_incidents *s)
{
	char path[64] = "/tmp/tsp-feat-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct tsp_increader *r;
	struct tsp_record *rec;
	struct tsp_error err;
	int rc, bad = 0;

	fputs(text, f);
	fclose(f);
	r = tsp_increader_open(path, TSP_FMT_AUTO, &err);
	while (r && (rc = tsp_increader_next(r, &rec, &err)) != 0)
		if (rc < 0 || tsp_incidents_add(s, m, rec, NULL, &err) < 0) {
			printf("%s\n", err.msg);
			bad = 1;
		}
	tsp_increader_free(r);
	unlink(path);
	return r && !bad ? 0 : -1;
}

/* db: A resolves itself at 600; B, created while A is open, is
 * acknowledged at 1000; C comes after A's resolution; D after both. */
static const char hist_csv[] =
	"id,created_at,acknowledged_at,resolved_at,title,service\n"
	"A,0,,600,Disk 90% full,db\n"
	"B,300,1000,2000,CPU high,db\n"
	"W,350,,400,CPU high,web\n"
	"C,900,,1000,Latency,db\n"
	"D,4000,,4100,Disk 95% full,db\n";
static const char hist_shuffled[] =
	"id,created_at,acknowledged_at,resolved_at,title,service\n"
	"D,4000,,4100,Disk 95% full,db\n"
	"C,900,,1000,Latency,db\n"
	"A,0,,600,Disk 90% full,db\n"
	"W,350,,400,CPU high,web\n"
	"B,300,1000,2000,CPU high,db\n";

static const double *hist_of(const struct tsp_incidents *s, const double *h,
			     const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0)
			return h + i * TSP_FEAT_HISTORY;
	return NULL;
}

static void history(void)
{
	struct tsp_incmap m;
	struct tsp_incidents s, s2;
	struct tsp_history h;
	struct tsp_error err;
	double hist[5 * TSP_FEAT_HISTORY], hist2[5 * TSP_FEAT_HISTORY];
	const double *b, *c, *d, *w;

	tsp_incmap_default(&m, &err);
	tsp_incidents_init(&s);
	tsp_history_init(&h);
	CHECK(read_text(hist_csv, &m, &s) == 0, "read");
	CHECK(tsp_features_history(&h, &s, hist, &err) == 0, "%s", err.msg);
	b = hist_of(&s, hist, "B");
	c = hist_of(&s, hist, "C");
	d = hist_of(&s, hist, "D");
	w = hist_of(&s, hist, "W");
	/* B: A is earlier but still open: its label is not known yet. */
	CHECK(b[0] == 1 && b[1] == 1 && b[2] == 0.5,
	      "B: 1 earlier in the hour, share (0+1)/(0+2): %g %g %g", b[0],
	      b[1], b[2]);
	/* C: A resolved itself at 600 < 900; B not known until 1000. */
	CHECK(c[0] == 2 && fabs(c[2] - 2.0 / 3) < 1e-15,
	      "C: share (1+1)/(1+2): %g %g", c[0], c[2]);
	/* D: A (1), B (0) and C (1) known; only C in the hour before. */
	CHECK(d[0] == 1 && d[1] == 3 && d[2] == 0.6, "D: %g %g %g", d[0],
	      d[1], d[2]);
	CHECK(fabs(d[3] - 4000.0 / 3600) < 1e-12,
	      "D: same title as A (digits masked) 4000 s before: %g h", d[3]);
	CHECK(w[0] == 0 && w[3] == 50.0 / 3600, "W: other service; the same "
	      "title as B 50 s before: %g %g", w[0], w[3]);
	CHECK(hist_of(&s, hist, "A")[3] == 720, "no earlier title: 720 h");

	/* The same incidents in another order: the same features. */
	tsp_incidents_init(&s2);
	tsp_history_release(&h);
	tsp_history_init(&h);
	read_text(hist_shuffled, &m, &s2);
	tsp_features_history(&h, &s2, hist2, &err);
	int same = 1;
	for (size_t i = 0; i < s.n; i++)
		if (memcmp(hist_of(&s, hist, s.v[i].id),
			   hist_of(&s2, hist2, s.v[i].id),
			   TSP_FEAT_HISTORY * sizeof(double)))
			same = 0;
	CHECK(same, "history features do not depend on input order");
	tsp_incidents_release(&s2);
	tsp_history_release(&h);
	tsp_incidents_release(&s);
}

static void history_saved(void)
{
	struct tsp_incmap m;
	struct tsp_incidents a, b;
	struct tsp_history h1, h2;
	struct tsp_params p;
	struct tsp_error err;
	double ha[5 * TSP_FEAT_HISTORY], hb1[3 * TSP_FEAT_HISTORY];
	double hb2[3 * TSP_FEAT_HISTORY];

	tsp_incmap_default(&m, &err);
	tsp_incidents_init(&a);
	tsp_incidents_init(&b);
	tsp_history_init(&h1);
	tsp_history_init(&h2);
	tsp_params_init(&p);
	read_text(hist_csv, &m, &a);
	read_text("id,created_at,resolved_at,title,service\n"
		  "E,5000,5100,Disk 99% full,db\nF,5200,,Latency,db\n"
		  "G,9000,,New,queue\n", &m, &b);
	tsp_features_history(&h1, &a, ha, &err);
	CHECK(tsp_history_save(&h1, &p, &err) == 0, "%s", err.msg);
	CHECK(tsp_history_load(&h2, p.buf, p.len, &err) == 0, "%s", err.msg);
	tsp_features_history(&h1, &b, hb1, &err);
	tsp_features_history(&h2, &b, hb2, &err);
	CHECK(memcmp(hb1, hb2, sizeof(hb1)) == 0, "a loaded history goes on "
	      "as the saved one (%g %g %g %g / %g %g %g %g)", hb1[0], hb1[1],
	      hb1[2], hb1[3], hb2[0], hb2[1], hb2[2], hb2[3]);
	CHECK(hb1[0] == 1 && hb1[1] == 4 && fabs(hb1[2] - 4.0 / 6) < 1e-15,
	      "E: D in the hour, 4 in the day, 3 of 4 resolved themselves: "
	      "%g %g %g", hb1[0], hb1[1], hb1[2]);
	for (size_t at = 0; at < p.len; at += 5) {
		unsigned char keep = p.buf[at];
		p.buf[at] ^= 0x55;
		tsp_history_release(&h2);
		tsp_history_init(&h2);
		tsp_history_load(&h2, p.buf, p.len, &err); /* must not crash */
		p.buf[at] = keep;
	}
	CHECK(tsp_history_load(&h2, p.buf, 10, &err) < 0,
	      "a cut history is refused");
	tsp_params_release(&p);
	tsp_history_release(&h1);
	tsp_history_release(&h2);
	tsp_incidents_release(&a);
	tsp_incidents_release(&b);
}

static const char rows_csv[] =
	"id,created_at,title,description,service,urgency,alert_count\n"
	"A,2024-05-04T06:00:00Z,Disk full on db,disk,db,high,3\n"	/* Sat */
	"B,2024-05-06T18:00:00Z,CPU high,,web,low,\n"		/* Mon */
	"C,2024-05-06T19:00:00Z,Disk full,,db,high,1\n"
	"D,2024-05-07T19:00:00Z,Latency,,cache,high,5\n";

static size_t col(const struct tsp_featdef *d, const char *name)
{
	for (size_t j = 0; j < d->nfeat; j++)
		if (strcmp(d->name[j], name) == 0)
			return j;
	return SIZE_MAX;
}

static void rows(void)
{
	struct tsp_incmap m;
	struct tsp_incidents s;
	struct tsp_featdef d, e;
	struct tsp_history h;
	struct tsp_params p;
	struct tsp_error err;
	size_t idx[4] = {0, 1, 2, 3};
	double hist[4 * TSP_FEAT_HISTORY], *x, *y;
	int nan = 0;

	tsp_incmap_default(&m, &err);
	tsp_incidents_init(&s);
	tsp_history_init(&h);
	tsp_featdef_init(&d);
	tsp_featdef_init(&e);
	tsp_params_init(&p);
	read_text(rows_csv, &m, &s);
	d.min_count = 2;
	d.buckets = 8;
	CHECK(tsp_featdef_fit(&d, &s, &m, NULL, &err) == 0, "%s", err.msg);
	/* time 5, alert_count, service db + other, urgency high + other,
	 * 8 buckets, 4 history */
	CHECK(d.nfeat == 5 + 1 + 2 + 2 + 8 + 4, "%zu features", d.nfeat);
	CHECK(col(&d, "service=db") == 6 && col(&d, "service=other") == 7 &&
	      col(&d, "urgency=high") == 8 && col(&d, "alerts") == 5 &&
	      col(&d, "svc_self_resolved") == d.nfeat - 2, "feature names");
	tsp_features_history(&h, &s, hist, &err);
	x = malloc(4 * d.nfeat * sizeof(*x));
	y = malloc(4 * d.nfeat * sizeof(*y));
	for (size_t i = 0; i < 4 * d.nfeat; i++)
		x[i] = y[i] = NAN;
	tsp_features_rows(&d, &s, hist, idx, 4, x, &err);
	for (size_t i = 0; i < 4 * d.nfeat; i++)
		nan += isnan(x[i]);
	CHECK(nan == 0, "every column written (%d left)", nan);
	CHECK(fabs(x[0] - 1) < 1e-15 && fabs(x[1]) < 1e-15 && x[4] == 1,
	      "A: 06:00 Saturday: hour_sin 1, hour_cos 0, weekend");
	CHECK(x[d.nfeat + 4] == 0 && fabs(x[d.nfeat + 2]) < 1e-15 &&
	      x[d.nfeat + 3] == 1, "B: Monday: dow_sin 0, dow_cos 1");
	CHECK(x[5] == 3 && x[d.nfeat + 5] == 3, "alert_count; missing: the "
	      "median %g", x[d.nfeat + 5]);
	CHECK(x[6] == 1 && x[7] == 0 && x[d.nfeat + 6] == 0 &&
	      x[d.nfeat + 7] == 1 && x[3 * d.nfeat + 7] == 1,
	      "one-hot: db, other for web and cache");
	double words = 0;
	for (size_t b = 0; b < 8; b++)
		words += x[10 + b];
	CHECK(words == 4, "A's words: disk full db (not 'on') + disk (%g)",
	      words);
	CHECK(strstr(d.name[10 + 0], "title~") == d.name[10], "bucket names");

	/* Saved and loaded: the same names, the same rows. */
	CHECK(tsp_featdef_save(&d, &p, &err) == 0, "%s", err.msg);
	CHECK(tsp_featdef_load(&e, p.buf, p.len, &err) == 0, "%s", err.msg);
	int same = e.nfeat == d.nfeat;
	for (size_t j = 0; same && j < d.nfeat; j++)
		same = strcmp(e.name[j], d.name[j]) == 0;
	tsp_features_rows(&e, &s, hist, idx, 4, y, &err);
	CHECK(same && memcmp(x, y, 4 * d.nfeat * sizeof(*x)) == 0,
	      "definition saved and loaded");
	/* Cut or damaged: an error, never a crash. */
	int refused = 1;
	for (size_t cut = 0; cut < p.len; cut += 7) {
		struct tsp_featdef z;
		tsp_featdef_init(&z);
		if (tsp_featdef_load(&z, p.buf, cut, &err) == 0)
			refused = 0;
		tsp_featdef_release(&z);
	}
	CHECK(refused, "every cut definition is refused");
	for (size_t at = 0; at < p.len; at += 13) {
		struct tsp_featdef z;
		unsigned char keep = p.buf[at];
		tsp_featdef_init(&z);
		p.buf[at] ^= 0xa5;
		tsp_featdef_load(&z, p.buf, p.len, &err);
		p.buf[at] = keep;
		tsp_featdef_release(&z);
	}

	/* Reasons: grouped, signed, in the prediction's direction. */
	double *contrib = calloc(d.nfeat, sizeof(*contrib));
	char buf[256];
	contrib[0] = 0.10;		/* hour_sin */
	contrib[1] = 0.05;		/* hour_cos: hour +0.15 */
	contrib[6] = -0.30;		/* service=db */
	contrib[d.nfeat - 2] = 0.08;	/* svc_self_resolved */
	tsp_features_reason(&d, &s, 0, x, contrib, 1, 3, buf, sizeof(buf));
	CHECK_STR(buf, "hour=06 +0.15; svc_self_resolved=0.5 +0.08");
	tsp_features_reason(&d, &s, 0, x, contrib, 0, 3, buf, sizeof(buf));
	CHECK_STR(buf, "service=db -0.30");

	/* --tz: 06:00 UTC is 08:00 in Paris in May. */
	CHECK(tsp_tz_set("Europe/Paris", &err) == 0, "tz");
	snprintf(d.tz, sizeof(d.tz), "Europe/Paris");
	tsp_features_rows(&d, &s, hist, idx, 1, y, &err);
	CHECK(fabs(y[0] - sin(6.283185307179586 * 8 / 24)) < 1e-12, "hour 8 in Paris");
	tsp_features_reason(&d, &s, 0, y, contrib, 1, 1, buf, sizeof(buf));
	CHECK_STR(buf, "hour=08 +0.15");
	tsp_tz_set("UTC", &err);

	free(contrib);
	free(x);
	free(y);
	tsp_params_release(&p);
	tsp_featdef_release(&d);
	tsp_featdef_release(&e);
	tsp_history_release(&h);
	tsp_incidents_release(&s);
}

static void noise(void)
{
	struct tsp_incmap m;
	struct tsp_incidents s;
	struct tsp_noise_row *r;
	struct tsp_error err;
	size_t n;

	tsp_incmap_default(&m, &err);
	tsp_incidents_init(&s);
	/* db's "Disk #% full" re-triggers 100 s after A resolved (flapping
	 * within 1h) and again 2 h after that (not). */
	read_text("id,created_at,acknowledged_at,resolved_at,title,service\n"
		  "A,0,,600,Disk 90% full,db\n"
		  "B,700,,900,Disk 91% full,db\n"
		  "C,8100,8200,9000,Disk 92% full,db\n"
		  "D,100,,,Latency,web\n", &m, &s);
	CHECK(tsp_noise_compute(&s, 3600 * TSP_NS_PER_SEC, &r, &n, &err) == 0,
	      "%s", err.msg);
	CHECK(n == 2 && strcmp(r[0].service, "db") == 0, "db first");
	CHECK(r[0].incidents == 3 && r[0].labelled == 3 &&
	      r[0].self_resolved == 2 && fabs(r[0].share - 2.0 / 3) < 1e-15 &&
	      r[0].median_resolve == 600 && r[0].flapping == 1,
	      "db: %zu %zu %zu %g %g %zu", r[0].incidents, r[0].labelled,
	      r[0].self_resolved, r[0].share, r[0].median_resolve,
	      r[0].flapping);
	CHECK(r[1].incidents == 1 && r[1].labelled == 0 && isnan(r[1].share) &&
	      isnan(r[1].median_resolve), "web: open, nothing known");
	free(r);
	tsp_incidents_release(&s);
}

int main(void)
{
	history();
	history_saved();
	rows();
	noise();
	return t_done();
}
