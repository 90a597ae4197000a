/*
 * tsp_decide: the scaling policy tsdecide applies, per series, to the load
 * a forecast predicts: how many replicas to run.
 *
 * One decision at time t, from the planned load L and the replicas
 * running now C, in order:
 *   1. the rule: with a capacity, ceil(L / capacity) (a quotient within a
 *      relative 1e-9 of a whole number counts as that number); with the
 *      threshold rules, C + step above --up-above, C - step below
 *      --down-below, else C (step: --max-step, or 1); with both, the
 *      capacity's count, but a rise only above --up-above and a fall only
 *      below --down-below (when given): the thresholds are a dead band.
 *      The recommendation is brought within [min, max].
 *   2. scale-down stabilisation (Kubernetes HPA's): a fall goes only down
 *      to the highest recommendation of the last down_window (this one
 *      included), so a load that dips and comes back does not make the
 *      replicas follow it down and up.
 *   3. --max-step: at most max_step replicas more or fewer than C.
 *   4. cooldown: no change until cooldown has passed since the last
 *      decision that changed the replicas.
 *   5. the gates: the result is brought within [min, max] whatever 3 and 4
 *      said (a C outside them is corrected at once).
 * A missing L (NaN) makes no recommendation: the replicas stay (gates
 * still apply).
 */
#ifndef TSP_DECIDE_H
#define TSP_DECIDE_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"
#include "tsp_time.h"

/* The most replicas a policy may name (Kubernetes' int32 field). */
#define TSP_DECIDE_MAXREPLICAS 2147483647L

enum tsp_action { TSP_ACTION_HOLD = 0, TSP_ACTION_UP, TSP_ACTION_DOWN };

struct tsp_decide_config {
	double capacity;		/* load a replica handles; NaN: none */
	double up_above, down_below;	/* threshold rules; NaN = none */
	long min, max;			/* the gates */
	long max_step;			/* per decision; 0 = no limit */
	tsp_time_t cooldown;		/* ns; 0 = none */
	tsp_time_t down_window;		/* ns; 0 = no stabilisation */
};

/* No rule, min 1, max TSP_DECIDE_MAXREPLICAS, no limits, a 15m window. */
void tsp_decide_config_init(struct tsp_decide_config *c);

/*
 * Check a configuration: a rule given, capacity > 0, down_below below
 * up_above, 0 <= min <= max.  Returns 0, or -1 with err set (TSP_EUSAGE,
 * the message naming the options).
 */
int tsp_decide_config_check(const struct tsp_decide_config *c,
			    struct tsp_error *err);

/* A recommendation remembered for the stabilisation window. */
struct tsp_decide_rec {
	tsp_time_t t;
	long replicas;
};

/*
 * One series' state.  _init allocates nothing; _release frees the
 * history.  The history holds the recommendations of the window that
 * could still be its highest: times ascending, replicas descending, so
 * at most max - min + 1 entries.
 */
struct tsp_decide_state {
	int decided;		/* a decision was made: last_t, replicas */
	int acted;		/* one changed the replicas: last_action */
	tsp_time_t last_t, last_action;
	long replicas;		/* what the last decision said */
	struct tsp_decide_rec *hist;
	size_t nhist, cap;
};

void tsp_decide_state_init(struct tsp_decide_state *s);
void tsp_decide_state_release(struct tsp_decide_state *s);

struct tsp_decision {
	enum tsp_action action;
	long current;		/* C as given */
	long recommended;	/* step 1's, -1 when L is missing */
	long replicas;		/* the decision */
	char reason[320];	/* e.g. "2712.4 / 200 per replica = 13.56 ->
				   14; at most +2 a decision -> 12" */
};

/*
 * Decide at time t for load (NaN = missing) with current replicas
 * running, and remember the decision in s.  t must be after s's last
 * decision.  Returns 0, or -1 with err set (TSP_EDATA: t not after the
 * last decision; TSP_ENOMEM).
 */
int tsp_decide(struct tsp_decide_state *s, const struct tsp_decide_config *c,
	       tsp_time_t t, double load, long current,
	       struct tsp_decision *out, struct tsp_error *err);

/* The action's name: "hold", "scale_up", "scale_down". */
const char *tsp_action_name(enum tsp_action a);

/*
 * A duration as short text: "45m", "1h30m", "2d", "90s", "0s", with
 * fractions of a second as "1.5s".  Returns buf (n >= 32).
 */
const char *tsp_decide_duration(tsp_time_t ns, char *buf, size_t n);

/* Append s's state to p.  Returns 0 or -1 with err set. */
int tsp_decide_save(const struct tsp_decide_state *s, struct tsp_params *p,
		    struct tsp_error *err);

/*
 * Fill s (initialised, empty) from an entry tsp_decide_save wrote under
 * configuration c.  Returns 0, or -1 with err set ("corrupt entry: ...")
 * when the entry is not a valid state.
 */
int tsp_decide_load(struct tsp_decide_state *s,
		    const struct tsp_decide_config *c, const unsigned char *buf,
		    size_t len, struct tsp_error *err);

#endif
