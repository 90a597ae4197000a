/*
 * tsforecast's model store: --save keeps each fitted series' model with
 * its grid and last time; --load continues from them (or, with --refit,
 * refits the saved kind of model on the saved grid step).
 */
#include <stdlib.h>
#include <string.h>

#include "tsforecast.h"

/* A series of --method gru|lstm: its scaling, last values, network. */
static int rnn_lookup(struct fc_state *st, struct fc_series *s,
		      const struct tsp_point *pt, const unsigned char *buf,
		      size_t len, struct tsp_error *err)
{
	char q[80], msg[sizeof(err->msg)];

	if (st->cfg.refit)
		tsp_cli_usage_error("--refit is not available for gru and "
				    "lstm models: train anew with --method");
	if (fc_rnn_load(st, s, buf, len, err) < 0 ||
	    tsp_grid_load(&s->g, buf, len, err) < 0) {
		if (err->code == TSP_ENOMEM)
			tsp_cli_die(err);
		memcpy(msg, err->msg, sizeof(msg));
		tsp_error_at(err, TSP_EDATA, st->cfg.load, 0, "series %s: %s",
			     tsp_quote(q, sizeof(q), pt->key, pt->keylen),
			     msg);
		tsp_cli_die(err);
	}
	s->state = S_MODEL;
	return 0;
}

int fc_store_lookup(struct fc_state *st, size_t idx,
		    const struct tsp_point *pt, const struct tsp_record *rec,
		    struct tsp_error *err)
{
	struct fc_series *s = &st->s[idx];
	const unsigned char *buf;
	struct tsp_param it;
	struct tsp_fc_model *m;
	char q[80], msg[sizeof(err->msg)];
	size_t len;
	int rc;

	s->looked_up = 1;
	rc = tsp_store_get(st->store, pt->key, pt->keylen, &st->params, err);
	if (rc < 0)
		tsp_cli_die(err);
	if (rc == 0)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "no saved model for series %s in %s",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen), st->cfg.load);
	if (!(m = calloc(1, sizeof(*m))))
		fc_die_nomem();
	buf = st->params.buf;
	len = st->params.len;
	if (tsp_params_find(buf, len, "scale_mu", &it) == 1) {
		free(m);
		return rnn_lookup(st, s, pt, buf, len, err);
	}
	if (tsp_fc_load(m, buf, len, err) < 0 ||
	    tsp_grid_load(&s->g, buf, len, err) < 0) {
		tsp_fc_model_release(m);
		free(m);
		memcpy(msg, err->msg, sizeof(msg));
		tsp_error_at(err, TSP_EDATA, st->cfg.load, 0, "series %s: %s",
			     tsp_quote(q, sizeof(q), pt->key, pt->keylen),
			     msg);
		tsp_cli_die(err);
	}
	if (tsp_params_find(buf, len, "mase_period", &it) == 1 &&
	    it.type == TSP_PARAM_NUM && it.num >= 1 && it.num < 1e9)
		s->m = (size_t)it.num;
	if (st->cfg.refit) {
		/* learn the series afresh on the saved grid step */
		int months = s->g.months;
		tsp_grid_init(&s->g, s->g.step);
		s->g.months = months;
		s->prior = m;
		return 0;
	}
	s->model = m;
	s->state = S_MODEL;
	tsp_fc_label(m, s->label, sizeof(s->label));
	return 0;
}

void fc_store_save(struct fc_state *st)
{
	struct tsp_store_writer *w;
	struct tsp_error err;

	tsp_error_clear(&err);
	w = tsp_store_create(st->cfg.save, "tsforecast", st->cfg.options, &err);
	if (!w)
		tsp_cli_die(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct fc_series *s = &st->s[i];
		const char *key;
		size_t keylen;

		if (s->state != S_MODEL)
			continue;
		key = tsp_table_key(st->in.series, i, &keylen);
		tsp_params_clear(&st->params);
		/* the entry: the model, then the grid, then ours */
		if ((s->rnn ? fc_rnn_save(st, s, &st->params, &err)
			    : tsp_fc_save(s->model, &st->params, &err)) < 0 ||
		    tsp_grid_save(&s->g, &st->params, &err) < 0 ||
		    tsp_params_num(&st->params, "mase_period", (double)s->m,
				   &err) < 0 ||
		    tsp_store_add(w, key, keylen, &st->params, &err) < 0) {
			tsp_store_abort(w);
			tsp_cli_die(&err);
		}
	}
	if (fc_rnn_save_shared(st, w, &err) < 0) {
		tsp_store_abort(w);
		tsp_cli_die(&err);
	}
	if (tsp_store_commit(w, &err) < 0)
		tsp_cli_die(&err);
}
