/* Incidents from exports: flattening the REST API's objects, fields
 * found by their names, times, the derived and the given label, what a
 * model requires, and every kind of bad record. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "tsp_incident.h"

static char path[64];

/* Write text to a temporary file; returns its path. */
static const char *file(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/tsp-inc-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Read every record of text into s with map m; returns 0, or -1 with
 * the first error in err. */
static int read_all(const char *text, struct tsp_incmap *m,
		    struct tsp_incidents *s, const struct tsp_incidents *req,
		    struct tsp_error *err)
{
	struct tsp_increader *r = tsp_increader_open(file(text), TSP_FMT_AUTO,
						     err);
	struct tsp_record *rec;
	int rc, bad = 0;

	if (!r)
		return -1;
	while ((rc = tsp_increader_next(r, &rec, err)) != 0) {
		if (rc < 0 || tsp_incidents_add(s, m, rec, req, err) < 0) {
			bad = 1;
			break;
		}
	}
	tsp_increader_free(r);
	unlink(path);
	return bad ? -1 : 0;
}

static void flatten(void)
{
	struct tsp_error err;
	char *out = NULL;
	size_t len, cap = 0;
	const char *in = "{\"id\":\"P1\",\"service\":{\"id\":\"S\",\"summary\":"
			 "\"db \\\"x\\\"\"},\"n\":3,\"a\":[{\"b\":1},2],"
			 "\"e\":[],\"o\":{},\"p\":null,\"t\":true}";

	CHECK(tsp_json_flatten(in, strlen(in), &out, &len, &cap, &err) == 0,
	      "%s", err.msg);
	CHECK_STR(out, "{\"id\":\"P1\",\"service.id\":\"S\",\"service.summary\":"
		  "\"db \\\"x\\\"\",\"n\":3,\"a.0.b\":1,\"a.1\":2,\"e\":null,"
		  "\"o\":null,\"p\":null,\"t\":true}");
	CHECK(tsp_json_flatten("{\"a\":", 5, &out, &len, &cap, &err) < 0 &&
	      strcmp(err.msg, "truncated JSON object") == 0, "%s", err.msg);
	CHECK(tsp_json_flatten("[1,2]", 5, &out, &len, &cap, &err) < 0,
	      "an array is not an incident");
	free(out);
}

static const char csv_head[] =
	"id,created_on,acknowledged_on,resolved_on,title,service_name,"
	"urgency,alert_count\n";

static void fields_and_labels(void)
{
	struct tsp_incmap m;
	struct tsp_incidents s;
	struct tsp_error err;
	char text[2048];

	tsp_incmap_default(&m, &err);
	tsp_incidents_init(&s);
	snprintf(text, sizeof(text), "%s"
		 "P1,2024-05-01T10:00:00Z,,2024-05-01T10:05:00Z,Disk full,db,high,2\n"
		 "P2,2024-05-01T10:01:00+02:00,2024-05-01T08:02:00Z,2024-05-01T09:00:00Z,CPU,web,low,\n"
		 "P3,1714557600,,,Open one,db,,1\n", csv_head);
	CHECK(read_all(text, &m, &s, NULL, &err) == 0, "%s", err.msg);
	CHECK(s.n == 3, "3 incidents (%zu)", s.n);
	CHECK(s.present[TSP_INC_SERVICE] && s.present[TSP_INC_URGENCY] &&
	      !s.present[TSP_INC_POLICY] && s.present[TSP_INC_ACKED],
	      "fields present");
	CHECK(s.v[0].label == 1 && s.v[0].known == s.v[0].resolved,
	      "resolved, never acknowledged: resolved itself");
	CHECK(s.v[1].label == 0 && s.v[1].known == s.v[1].acked,
	      "acknowledged: did not, known at the acknowledgement");
	CHECK(s.v[1].created == INT64_C(1714550460) * TSP_NS_PER_SEC,
	      "offset times are read as UTC");
	CHECK(s.v[2].label == -1, "open and unacknowledged: unknown");
	CHECK(strcmp(s.v[0].cat[0], "db") == 0 &&
	      strcmp(s.v[1].cat[2], "low") == 0 && s.v[2].cat[2][0] == 0,
	      "categorical fields");
	CHECK(s.nnum == 1 && s.num_present[0] && s.num[0] == 2 &&
	      isnan(s.num[1]), "alert_count read, missing is NaN");
	tsp_incidents_release(&s);

	/* --within 10m: P1 took 5 minutes (resolved itself); a 20-minute one
	 * did not, known 10 minutes after its creation. */
	m.within = 600 * TSP_NS_PER_SEC;
	tsp_incidents_init(&s);
	snprintf(text, sizeof(text), "%s"
		 "P1,1000,,1300,a,db,high,1\n"
		 "P2,1000,,2200,b,db,high,1\n"
		 "P3,1000,1900,2200,c,db,high,1\n", csv_head);
	CHECK(read_all(text, &m, &s, NULL, &err) == 0, "%s", err.msg);
	CHECK(s.v[0].label == 1 && s.v[1].label == 0 &&
	      s.v[1].known == 1600 * TSP_NS_PER_SEC && s.v[2].label == 0 &&
	      s.v[2].known == 1600 * TSP_NS_PER_SEC, "--within");
	tsp_incidents_release(&s);
	m.within = 0;

	/* A given label. */
	CHECK(tsp_incmap_set(&m, TSP_INC_LABEL, "auto", &err) == 0, "label");
	tsp_incidents_init(&s);
	CHECK(read_all("id,created_at,auto\nA,10,TRUE\nB,20,no\nC,30,\n"
		       "D,40,maybe\n", &m, &s, NULL, &err) < 0, "bad label");
	CHECK(s.n == 3 && s.v[0].label == 1 && s.v[1].label == 0 &&
	      s.v[2].label == -1, "labels true, no, empty");
	CHECK_STR(err.msg, "unknown label value 'maybe' in field 'auto' (true "
		  "or false, yes or no, 1 or 0)");
	CHECK(err.line == 5, "line %ld", err.line);
	tsp_incidents_release(&s);
}

static void api_objects(void)
{
	struct tsp_incmap m;
	struct tsp_incidents s, req;
	struct tsp_error err;

	tsp_incmap_default(&m, &err);
	tsp_incidents_init(&s);
	CHECK(read_all(
		"{\"id\":\"P1\",\"created_at\":\"2024-05-01T10:00:00Z\","
		"\"resolved_at\":\"2024-05-01T10:03:00Z\",\"title\":\"x\","
		"\"service\":{\"summary\":\"db\"},\"priority\":null,"
		"\"acknowledgements\":[],\"alert_counts\":{\"all\":4}}\n"
		"\n"
		"{\"id\":\"P2\",\"created_at\":\"2024-05-01T11:00:00Z\","
		"\"resolved_at\":\"2024-05-01T12:00:00Z\",\"title\":\"y\","
		"\"service\":{\"summary\":\"web\"},\"priority\":{\"summary\":"
		"\"P1\"},\"acknowledgements\":[{\"at\":\"2024-05-01T11:01:00Z\"}],"
		"\"alert_counts\":{\"all\":9}}\n", &m, &s, NULL, &err) == 0,
	      "%s", err.msg);
	CHECK(s.n == 2 && s.v[1].line == 3, "blank lines skipped");
	CHECK(strcmp(s.v[0].cat[0], "db") == 0 && s.v[0].cat[3][0] == 0 &&
	      strcmp(s.v[1].cat[3], "P1") == 0, "nested names, null priority");
	CHECK(s.v[0].label == 1 && s.v[1].label == 0,
	      "acknowledgements.0.at: the first acknowledgement");
	CHECK(s.num_present[0] && s.num[0] == 4, "alert_counts.all");
	CHECK(s.present[TSP_INC_PRIORITY], "a null priority is the field");

	/* Prediction: a record without a field the model had. */
	req = s;
	tsp_incidents_init(&s);
	CHECK(read_all("{\"id\":\"P3\",\"created_at\":5,\"title\":\"z\","
		       "\"priority\":null,\"alert_counts\":{\"all\":1}}\n",
		       &m, &s, &req, &err) < 0, "missing service");
	CHECK_STR(err.msg, "no field service.summary, service_name or service "
		  "(the model was trained with it)");
	tsp_incidents_release(&s);
	tsp_incidents_init(&s);
	CHECK(read_all("{\"id\":\"P3\",\"created_at\":5,\"title\":\"z\","
		       "\"service\":{\"summary\":\"db\"},\"priority\":null}\n",
		       &m, &s, &req, &err) < 0, "missing alert count");
	CHECK_STR(err.msg, "no field alert_counts.all, alert_count or alerts "
		  "(the model was trained with it)");
	tsp_incidents_release(&s);
	tsp_incidents_release(&req);
}

static void bad_records(void)
{
	static const struct {
		const char *text, *msg;
		long line;
	} bad[] = {
		{ "id,created_at\nA,yesterday\n",
		  "bad time 'yesterday' in field 'created_at'", 2 },
		{ "id,created_at\nA,\n",
		  "empty creation time in field 'created_at'", 2 },
		{ "id,when\nA,5\n", "no created field: no created_at, "
		  "created_on or created (name it with --created)", 2 },
		{ "id,created_at,alert_count\nA,5,many\n",
		  "non-numeric value 'many' in field 'alert_count'", 2 },
		{ "id,created_at,resolved_at\nA,50,40\n",
		  "resolved before it was created", 2 },
		{ "id,created_at,acknowledged_at\nA,50,40\n",
		  "acknowledged before it was created", 2 },
		{ "{\"id\":\"A\",\"created_at\":1}\n{\"id\":\n",
		  "truncated JSON object", 2 },
		{ "{\"id\":\"A\",\"created_at\":1}\n{\"id\":tru}\n",
		  "malformed JSON value", 2 },
		{ "id,created_at\nA,5\nB,\"6\n", "unterminated quoted field", 3 },
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct tsp_incmap m;
		struct tsp_incidents s;
		struct tsp_error err;

		tsp_incmap_default(&m, &err);
		tsp_incidents_init(&s);
		tsp_error_clear(&err);
		CHECK(read_all(bad[k].text, &m, &s, NULL, &err) < 0 &&
		      err.code == TSP_EDATA, "case %zu is an error", k);
		CHECK(strcmp(err.msg, bad[k].msg) == 0 && err.line ==
		      bad[k].line, "case %zu: got '%s' line %ld", k, err.msg,
		      err.line);
		tsp_incidents_release(&s);
	}
}

static void numeric_columns(void)
{
	struct tsp_incmap m;
	struct tsp_incidents s, req;
	struct tsp_error err;

	tsp_incmap_default(&m, &err);
	CHECK(tsp_incmap_set_numeric(&m, "cost,retries", &err) == 0, "set");
	tsp_incidents_init(&s);
	CHECK(read_all("id,created_at,cost,retries\nA,1,2.5,\nB,2,-1,3\n",
		       &m, &s, NULL, &err) == 0, "%s", err.msg);
	CHECK(s.nnum == 3 && !s.num_present[0] && s.num_present[1] &&
	      s.num_present[2] && s.num[1] == 2.5 && isnan(s.num[2]) &&
	      s.num[3 + 2] == 3, "alerts absent, then cost and retries");
	req = s;
	tsp_incidents_init(&s);
	CHECK(read_all("id,created_at,cost\nC,3,1\n", &m, &s, &req, &err) < 0,
	      "a numeric column the model had");
	CHECK_STR(err.msg, "no field 'retries' (the model was trained with "
		  "it)");
	tsp_incidents_release(&s);
	tsp_incidents_release(&req);
}

static void misc(void)
{
	char key[64];
	struct tsp_incmap m;
	struct tsp_error err;

	tsp_incident_title_key("  Disk 91%  full on DB-07 ", key, sizeof(key));
	CHECK_STR(key, "disk #% full on db-#");
	tsp_incmap_default(&m, &err);
	CHECK(tsp_incmap_set(&m, TSP_INC_SERVICE, "a,,b", &err) < 0,
	      "an empty name is refused");
	CHECK(tsp_incmap_set(&m, TSP_INC_SERVICE, "svc", &err) == 0 &&
	      m.nnames[TSP_INC_SERVICE] == 1, "one name");
	CHECK(tsp_incmap_set(&m, TSP_INC_SERVICE, "", &err) == 0 &&
	      m.nnames[TSP_INC_SERVICE] == 0, "no name: never read");
}

int main(void)
{
	flatten();
	fields_and_labels();
	api_objects();
	bad_records();
	numeric_columns();
	misc();
	return t_done();
}
