#include "tsp_fetchcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/*
 * An entry: a 36-byte header, the key, the compressed data.
 *   0  "tsfetch" 0x01 (format 1)
 *   8  u32 key length      12  u64 data length     20  u64 compressed length
 *  28  u32 CRC-32 of the data       32  u32 CRC-32 of bytes 0-31 and the key
 * Numbers little-endian.
 */
#define HDR 36
static const char magic[8] = { 't', 's', 'f', 'e', 't', 'c', 'h', 1 };

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0777) < 0 && errno != EEXIST ? -1 : 0;
}

int tsp_fcache_open(struct tsp_fcache *c, const char *dir,
		    struct tsp_error *err)
{
	struct stat st;

	if (!(c->dir = strdup(dir)))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	if (mkdirs(c->dir) < 0 || stat(c->dir, &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		int e = errno;
		if (e == 0 || !S_ISDIR(st.st_mode))
			e = ENOTDIR;
		err->sys_errno = e;
		tsp_error_set(err, TSP_ESYS, "cache directory %s: %s", dir,
			      strerror(e));
		tsp_fcache_release(c);
		return -1;
	}
	return 0;
}

void tsp_fcache_release(struct tsp_fcache *c)
{
	free(c->dir);
	c->dir = NULL;
}

char *tsp_fcache_path(const struct tsp_fcache *c, const char *key,
		      size_t keylen)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	size_t n = strlen(c->dir) + 32;
	char *p = malloc(n);

	for (size_t i = 0; i < keylen; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	if (p)
		snprintf(p, n, "%s/%016llx.tsfc", c->dir,
			 (unsigned long long)h);
	return p;
}

static int corrupt(const char *path, struct tsp_error *err, const char *why)
{
	unlink(path);
	tsp_error_set(err, TSP_EDATA, "corrupt cache entry %s (%s)", path,
		      why);
	return TSP_FCACHE_CORRUPT;
}

/* The whole file at path into a new buffer; -1 and errno on failure. */
static int slurp(const char *path, unsigned char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY), e;
	struct stat st;
	size_t off = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !(*buf = malloc((size_t)st.st_size + 1)))
		goto fail;
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* shrank meanwhile: the checks see it */
		off += (size_t)r;
	}
	*len = off;
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e ? e : ENOMEM;
	return -1;
}

int tsp_fcache_get(const struct tsp_fcache *c, const char *key,
		   size_t keylen, char **data, size_t *len,
		   struct tsp_error *err)
{
	char *path = tsp_fcache_path(c, key, keylen);
	unsigned char *f = NULL;
	size_t flen = 0;
	uint64_t raw, comp;
	uLongf out;
	int rc;

	if (!path)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	if (slurp(path, &f, &flen) < 0) {
		rc = TSP_FCACHE_MISS;
		if (errno != ENOENT) {
			err->sys_errno = errno;
			rc = tsp_error_set(err, TSP_ESYS, "cache entry %s: %s",
					   path, strerror(errno));
		}
		goto out;
	}
	if (flen < HDR || memcmp(f, magic, 8) != 0) {
		rc = corrupt(path, err, "not a cache entry");
		goto out;
	}
	raw = get64(f + 12);
	comp = get64(f + 20);
	if (flen - HDR < get32(f + 8) ||
	    get32(f + 32) != (uint32_t)crc32(crc32(0, f, 32), f + HDR,
					     get32(f + 8))) {
		rc = corrupt(path, err, "header checksum");
		goto out;
	}
	if (flen - HDR - get32(f + 8) != comp) {
		rc = corrupt(path, err, "truncated");
		goto out;
	}
	if (get32(f + 8) != keylen || memcmp(f + HDR, key, keylen) != 0) {
		rc = TSP_FCACHE_MISS;	/* another key with the same hash */
		goto out;
	}
	if (raw > SIZE_MAX - 1 || !(*data = malloc((size_t)raw + 1))) {
		rc = tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto out;
	}
	out = (uLongf)raw;
	if (uncompress((Bytef *)*data, &out, f + HDR + keylen, (uLong)comp) !=
	    Z_OK || out != raw ||
	    crc32_z(0, (const Bytef *)*data, (z_size_t)raw) != get32(f + 28)) {
		free(*data);
		*data = NULL;
		rc = corrupt(path, err, "data checksum");
		goto out;
	}
	(*data)[raw] = '\0';
	*len = (size_t)raw;
	rc = TSP_FCACHE_HIT;
out:
	free(f);
	free(path);
	return rc;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int tsp_fcache_put(const struct tsp_fcache *c, const char *key,
		   size_t keylen, const char *data, size_t len,
		   struct tsp_error *err)
{
	char *path = tsp_fcache_path(c, key, keylen), *tmp = NULL;
	unsigned char hdr[HDR], *z = NULL;
	uLongf zl = compressBound((uLong)len);
	int fd, rc = -1;

	if (!path || !(tmp = malloc(strlen(path) + 32)) ||
	    !(z = malloc(zl))) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto out;
	}
	if (compress2(z, &zl, (const Bytef *)data, (uLong)len, 6) != Z_OK) {
		tsp_error_set(err, TSP_ENOMEM, "cannot compress");
		goto out;
	}
	memcpy(hdr, magic, 8);
	put32(hdr + 8, (uint32_t)keylen);
	put64(hdr + 12, len);
	put64(hdr + 20, zl);
	put32(hdr + 28, (uint32_t)crc32_z(0, (const Bytef *)data, len));
	put32(hdr + 32, (uint32_t)crc32(crc32(0, hdr, 32),
					(const Bytef *)key, (uInt)keylen));
	snprintf(tmp, strlen(path) + 32, "%s.tmp%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
		goto syserr;
	if (write_all(fd, hdr, HDR) < 0 || write_all(fd, key, keylen) < 0 ||
	    write_all(fd, z, zl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		goto unlink;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto unlink;
	rc = 0;
	goto out;
unlink:
	{
		int e = errno;
		unlink(tmp);
		errno = e;
	}
syserr:
	err->sys_errno = errno;
	tsp_error_set(err, TSP_ESYS, "cannot write cache entry %s: %s", path,
		      strerror(errno));
out:
	free(z);
	free(tmp);
	free(path);
	return rc;
}
