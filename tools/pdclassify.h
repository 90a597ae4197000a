/*
 * pdclassify: what its subcommands share — the configuration from the
 * command line, reading the incidents, the model store, the reports.
 * pdclassify.c parses options and dispatches; pdclassify/train.c does
 * train and cv; pdclassify/apply.c predict, features and noise;
 * pdclassify/model.c saves and loads models and writes reports;
 * pdclassify/io.c reads the inputs.
 */
#ifndef PDCLASSIFY_H
#define PDCLASSIFY_H

#include <pthread.h>

#include "tool_io.h"
#include "tsp_features.h"
#include "tsp_forest.h"
#include "tsp_incident.h"
#include "tsp_metrics.h"

enum pdc_cmd { PDC_TRAIN, PDC_CV, PDC_PREDICT, PDC_FEATURES, PDC_NOISE };

struct pdc_config {
	enum pdc_cmd cmd;
	struct tsp_cli *cli;
	struct tsp_incmap map;
	struct tsp_featdef def;		/* its options, then fitted */
	struct tsp_forest_opts forest;
	size_t folds;
	int time_split;
	double min_precision;		/* NaN: not given */
	double threshold;		/* NaN: not given */
	const char *save, *load;
	int table;			/* --report table */
	size_t reasons;
	tsp_time_t flap;
	size_t perm_rows;		/* rows for permutation importance */
	char *opts_json;		/* the options, for the store */
	int argc, first;
	char **argv;
};

/* A loaded or trained model. */
struct pdc_model {
	struct tsp_featdef def;
	struct tsp_forest forest;
	struct tsp_history hist;
	struct tsp_incidents req;	/* the fields training had */
	double threshold;
	double min_precision;		/* NaN when not used */
	double *perm;			/* permutation importance */
};

/*
 * Read every input (the file operands, else standard input) into s;
 * a bad record stops the run or, with --on-error skip, is skipped.  With
 * req non-NULL, records must have what the model was trained with; in
 * matrix mode, cols (ncols) are the model's columns.  Returns the first
 * input's format.
 */
enum tsp_format pdc_read(struct pdc_config *c, struct tsp_incidents *s,
			 const struct tsp_incidents *req,
			 const char *const *cols, size_t ncols);

/* The commands; each returns the exit status. */
int pdc_train(struct pdc_config *c);
int pdc_cv(struct pdc_config *c);
int pdc_predict(struct pdc_config *c);
int pdc_features(struct pdc_config *c);
int pdc_noise(struct pdc_config *c);

/* The model store. */
void pdc_model_init(struct pdc_model *m);
void pdc_model_release(struct pdc_model *m);
void pdc_model_save(const struct pdc_config *c, const struct pdc_model *m,
		    const struct tsp_incidents *s,
		    const struct tsp_metrics *oob);
void pdc_model_load(struct pdc_config *c, struct pdc_model *m);

/*
 * The same in two halves: start reads what describes the model (the
 * fields, features, history and forest entries: enough to read and
 * build features) and goes on loading the trees on a thread; finish
 * waits for them, and dies as pdc_model_load would on a bad entry.
 * Between the two, m's forest must not be touched.
 */
struct tsp_store;
struct pdc_loader {
	pthread_t thread;
	int threaded, failed;
	struct tsp_store *st;
	struct pdc_model *m;
	const char *path;
	struct tsp_error err;
};
void pdc_model_load_start(struct pdc_config *c, struct pdc_model *m,
			  struct pdc_loader *l);
void pdc_model_load_finish(struct pdc_loader *l);

/* Build the history features of s (continuing h) and the feature rows
 * of the incidents rows[0..n) into a new matrix (caller frees), the rows
 * on threads threads. */
double *pdc_matrix(const struct tsp_featdef *def, struct tsp_history *h,
		   const struct tsp_incidents *s, const size_t *rows,
		   size_t n, int threads);

/* The two halves of pdc_matrix: the history features of s (continuing
 * h; a new array, NULL for a matrix input), then the rows rows[0..n)
 * into x. */
double *pdc_history(const struct tsp_featdef *def, struct tsp_history *h,
		    const struct tsp_incidents *s);
void pdc_rows(const struct tsp_featdef *def, const struct tsp_incidents *s,
	      const double *hist, const size_t *rows, size_t n, double *x,
	      int threads);

/* Reports: one metrics record (scope, then extra fields) as NDJSON or a
 * table line; importance; the end of a table. */
struct pdc_report {
	struct tsp_writer *w;
	int table;
	int header_done;
};
void pdc_report_init(struct pdc_report *r, int table);
void pdc_report_metrics(struct pdc_report *r, const char *scope, long fold,
			size_t train, const struct tsp_metrics *m);
void pdc_report_importance(struct pdc_report *r,
			   const struct tsp_featdef *def,
			   const struct tsp_forest *f, const double *perm);
int pdc_report_finish(struct pdc_report *r, struct tsp_cli *cli);

/* Exit on err (a message naming the input and line when it has them). */
void pdc_die(const struct tsp_error *err) __attribute__((noreturn));

#endif
