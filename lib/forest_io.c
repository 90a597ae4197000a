/*
 * A tree as model-store parameters: four arrays of the same length,
 * feat (-1 for a leaf), thr, value and right, in preorder.  (In memory a
 * leaf is its own right child instead: see tsp_forest.h.)  Loading
 * checks every index, so a damaged entry is an error and a walk down a
 * loaded tree always ends (children come after their parent).
 */
#include "forest_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tsp_forest_tree_save(const struct tsp_forest *f, size_t t,
			 struct tsp_params *p, struct tsp_error *err)
{
	const struct tsp_tree *tr = &f->tree[t];
	double *v = malloc((tr->n ? tr->n : 1) * sizeof(*v));
	int rc = 0;

	if (!v)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	tsp_params_clear(p);
	for (int k = 0; k < 4 && rc == 0; k++) {
		static const char *const names[4] = {
			"feat", "thr", "value", "right"
		};
		for (size_t i = 0; i < tr->n; i++) {
			const struct tsp_forest_node *nd = &tr->node[i];
			int leaf = tsp_forest_is_leaf(tr->node, i);
			v[i] = k == 0 ? (leaf ? -1 : nd->feat)
			     : k == 1 ? (leaf ? 0 : nd->thr)
			     : k == 2 ? tr->value[i] : (leaf ? 0 : nd->right);
		}
		rc = tsp_params_nums(p, names[k], v, tr->n, err);
	}
	free(v);
	return rc;
}

static int get(const unsigned char *buf, size_t len, const char *name,
	       struct tsp_param *out, size_t n, struct tsp_error *err)
{
	int rc = tsp_params_find(buf, len, name, out);

	if (rc < 0)
		return tsp_error_set(err, TSP_EDATA, "corrupt tree entry");
	if (rc == 0 || out->type != TSP_PARAM_NUMS)
		return tsp_error_set(err, TSP_EDATA, "tree entry without "
				     "'%s'", name);
	if (n != SIZE_MAX && out->n != n)
		return tsp_error_set(err, TSP_EDATA, "tree entry: '%s' has "
				     "%zu values, not %zu", name, out->n, n);
	return 0;
}

int tsp_forest_tree_load(struct tsp_forest *f, size_t t,
			 const unsigned char *buf, size_t len,
			 struct tsp_error *err)
{
	struct tsp_param feat, thr, value, right;
	struct tsp_tree *tr = &f->tree[t];
	size_t n;

	if (get(buf, len, "feat", &feat, SIZE_MAX, err) < 0)
		return -1;
	n = feat.n;
	if (n == 0 || n > UINT32_MAX)
		return tsp_error_set(err, TSP_EDATA, "tree %zu: %zu nodes",
				     t, n);
	if (get(buf, len, "thr", &thr, n, err) < 0 ||
	    get(buf, len, "value", &value, n, err) < 0 ||
	    get(buf, len, "right", &right, n, err) < 0)
		return -1;
	free(tr->node);
	free(tr->value);
	tr->n = 0;
	tr->node = malloc(n * sizeof(*tr->node));
	tr->value = malloc(n * sizeof(*tr->value));
	if (!tr->node || !tr->value) {
		free(tr->node);
		free(tr->value);
		tr->node = NULL;
		tr->value = NULL;
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct tsp_forest_node *nd = &tr->node[i];
		double fv = tsp_param_at(&feat, i), rv = tsp_param_at(&right, i);
		nd->thr = tsp_param_at(&thr, i);
		tr->value[i] = tsp_param_at(&value, i);
		if (!(tr->value[i] >= 0 && tr->value[i] <= 1))
			goto bad;
		if (fv == -1) {
			nd->feat = 0;
			nd->thr = -INFINITY;
			nd->right = (uint32_t)i;
			continue;
		}
		/* An internal node: a feature, a threshold, a left child
		 * next and a right child after it, inside the tree. */
		if (!(fv >= 0 && fv < (double)f->nfeat) || fv != floor(fv) ||
		    isnan(nd->thr) || i + 2 >= n ||
		    !(rv > (double)(i + 1) && rv < (double)n) ||
		    rv != floor(rv))
			goto bad;
		nd->feat = (int32_t)fv;
		nd->right = (uint32_t)rv;
	}
	tr->n = n;
	return 0;
bad:
	free(tr->node);
	free(tr->value);
	tr->node = NULL;
	tr->value = NULL;
	return tsp_error_set(err, TSP_EDATA, "tree %zu: bad node", t);
}
