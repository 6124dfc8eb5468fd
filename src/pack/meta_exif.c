/* SPDX-License-Identifier: ISC */
/*
 * meta_exif.c - reading the metadata formats found inside containers:
 * EXIF (through libexif), XMP, IPTC records and ISO 6709 positions.
 *
 * Each gets bytes already in memory (at most QMETA_BLOB) and notes what
 * they reveal. A place, a device's serial number or a person's name is
 * identifying; a camera model or the software used is noted but is not.
 */
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>

#include "meta.h"

/* ---- EXIF ---------------------------------------------------------------- */

/* Degrees from an EXIF GPS coordinate (three rationals); -1 if malformed. */
static double
gps_degrees(const ExifEntry *e, ExifByteOrder o)
{
	double v = 0, scale = 1;

	if (e == NULL || e->format != EXIF_FORMAT_RATIONAL ||
	    e->components < 3 || e->size < 24)
		return -1;
	for (int i = 0; i < 3; i++, scale *= 60) {
		ExifRational r = exif_get_rational(e->data + 8 * i, o);
		if (r.denominator == 0)
			return i == 0 ? -1 : v;
		v += (double)r.numerator / r.denominator / scale;
	}
	return v;
}

static char
gps_ref(const ExifEntry *e, char dflt)
{
	return e && e->size > 0 && e->data[0] >= 'A' && e->data[0] <= 'Z' ?
	    (char)e->data[0] : dflt;
}

static void
exif_gps(struct qmeta *m, ExifData *d)
{
	ExifContent *g = d->ifd[EXIF_IFD_GPS];
	ExifByteOrder o = exif_data_get_byte_order(d);
	double lat, lon;

	if (g == NULL || g->count == 0)
		return;
	lat = gps_degrees(exif_content_get_entry(g, 2), o);
	lon = gps_degrees(exif_content_get_entry(g, 4), o);
	if (lat >= 0 && lon >= 0)
		qmeta_note(m, 1, "GPS %.2f %c %.2f %c", lat,
		    gps_ref(exif_content_get_entry(g, 1), 'N'), lon,
		    gps_ref(exif_content_get_entry(g, 3), 'E'));
	else if (lat >= 0 || lon >= 0)
		qmeta_note(m, 1, "GPS position (partial)");
	else
		qmeta_note(m, 0, "GPS fields without a position");
}

/* A text tag's value, made printable; UCS-2 (XP*) tags lose their zeros. */
static int
exif_text(ExifData *d, int tag, char *out, size_t outsz)
{
	ExifEntry *e = exif_data_get_entry(d, (ExifTag)tag);
	char tmp[128];
	size_t n = 0;

	if (e == NULL || e->data == NULL || e->size == 0)
		return 0;
	for (size_t i = 0; i < e->size && n + 1 < sizeof(tmp); i++)
		if (e->data[i] != 0 || e->format == EXIF_FORMAT_ASCII)
			tmp[n++] = (char)e->data[i];
	qmeta_clean(out, outsz, tmp, n);
	return 1;
}

static const struct {
	int tag, identifying;
	const char *what;
} exif_tags[] = {
	{EXIF_TAG_BODY_SERIAL_NUMBER, 1, "camera serial"},
	{0xc62f, 1, "camera serial"},  /* DNG CameraSerialNumber */
	{EXIF_TAG_LENS_SERIAL_NUMBER, 1, "lens serial"},
	{EXIF_TAG_CAMERA_OWNER_NAME, 1, "owner"},
	{EXIF_TAG_ARTIST, 1, "artist"},
	{EXIF_TAG_XP_AUTHOR, 1, "author"},
	{EXIF_TAG_COPYRIGHT, 1, "copyright"},
	{EXIF_TAG_MAKE, 0, "camera make"},
	{EXIF_TAG_MODEL, 0, "camera model"},
	{EXIF_TAG_SOFTWARE, 0, "software"},
	{EXIF_TAG_DATE_TIME_ORIGINAL, 0, "taken"},
	{EXIF_TAG_IMAGE_UNIQUE_ID, 0, "image id"},
};

static void
exif_orientation(struct qmeta *m, ExifData *d)
{
	ExifEntry *e = exif_data_get_entry(d, EXIF_TAG_ORIENTATION);

	if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->size >= 2) {
		ExifShort v = exif_get_short(e->data, exif_data_get_byte_order(d));
		if (v >= 1 && v <= 8)
			m->orientation = v;
	}
}

static void
exif_embedded(struct qmeta *m, ExifData *d)
{
	ExifEntry *e = exif_data_get_entry(d, EXIF_TAG_XML_PACKET);

	if (e != NULL && e->data != NULL)
		qmeta_xmp(m, (const char *)e->data, e->size);
	if ((e = exif_data_get_entry(d, EXIF_TAG_IPTC_NAA)) != NULL &&
	    e->data != NULL)
		qmeta_iptc(m, e->data, e->size);
	if (exif_data_get_entry(d, EXIF_TAG_MAKER_NOTE) != NULL)
		qmeta_note(m, 0, "maker note");
}

/* p: a TIFF header and its IFDs, as in a JPEG's APP1 after "Exif\0\0". */
void
qmeta_exif(struct qmeta *m, const unsigned char *p, size_t n)
{
	unsigned char *buf;
	ExifData *d;
	char v[80];

	if (n < 8 || n > QMETA_BLOB || (buf = malloc(n + 6)) == NULL)
		return;
	memcpy(buf, "Exif\0\0", 6);
	memcpy(buf + 6, p, n);
	if ((d = exif_data_new()) != NULL) {
		exif_data_unset_option(d, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
		exif_data_unset_option(d, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
		exif_data_load_data(d, buf, (unsigned)(n + 6));
		exif_gps(m, d);
		for (size_t i = 0; i < sizeof(exif_tags) / sizeof(exif_tags[0]);
		    i++)
			if (exif_text(d, exif_tags[i].tag, v, sizeof(v)) && *v)
				qmeta_note(m, exif_tags[i].identifying, "%s %s",
				    exif_tags[i].what, v);
		exif_orientation(m, d);
		exif_embedded(m, d);
		exif_data_unref(d);
	}
	free(buf);
}

/* ---- XMP ------------------------------------------------------------------ */

/* The first text after p's property name: an attribute's value or an
 * element's content, looking through nested rdf:Seq/rdf:li tags. */
static void
xmp_value(const char *p, const char *end, char *out, size_t outsz)
{
	const char *v;
	int intag = 0;

	*out = '\0';
	if (p < end && *p == '=') {
		if (++p < end && (*p == '"' || *p == '\'')) {
			char q = *p++;
			for (v = p; v < end && *v != q; v++)
				;
			qmeta_clean(out, outsz, p, (size_t)(v - p));
		}
		return;
	}
	for (int i = 0; p < end && i < 512; p++, i++) {
		if (*p == '<')
			intag = 1;
		else if (*p == '>')
			intag = 0;
		else if (!intag && *p != ' ' && *p != '\n' && *p != '\r' &&
		    *p != '\t')
			break;
	}
	for (v = p; v < end && *v != '<'; v++)
		;
	qmeta_clean(out, outsz, p, (size_t)(v - p));
}

static const struct {
	const char *key, *what;
	int identifying;
} xmp_keys[] = {
	{"GPSLatitude", "XMP GPS latitude", 1},
	{"GPSLongitude", "XMP GPS longitude", 1},
	{"SerialNumber", "XMP serial", 1},
	{"OwnerName", "XMP owner", 1},
	{"dc:creator", "XMP creator", 1},
	{"tiff:Artist", "XMP artist", 1},
	{"pdf:Author", "XMP author", 1},
	{"photoshop:City", "XMP city", 1},
	{"photoshop:Country", "XMP country", 1},
	{"Iptc4xmpCore:Location", "XMP place", 1},
	{"LocationCreated", "XMP place", 1},
	{"LocationShown", "XMP place", 1},
	{"tiff:Model", "XMP camera model", 0},
	{"xmp:CreatorTool", "XMP software", 0},
	{"pdf:Producer", "XMP software", 0},
};

void
qmeta_xmp(struct qmeta *m, const char *p, size_t n)
{
	const char *end = p + n;
	char v[64];
	int any = 0;

	for (size_t i = 0; i < sizeof(xmp_keys) / sizeof(xmp_keys[0]); i++) {
		size_t kl = strlen(xmp_keys[i].key);
		const char *at = memmem(p, n, xmp_keys[i].key, kl);
		/* The property, not a closing tag or a longer name. */
		while (at != NULL && at > p && at[-1] == '/')
			at = memmem(at + kl, (size_t)(end - at - kl),
			    xmp_keys[i].key, kl);
		if (at == NULL)
			continue;
		xmp_value(at + kl, end, v, sizeof(v));
		qmeta_note(m, xmp_keys[i].identifying, "%s%s%s",
		    xmp_keys[i].what, *v ? " " : "", v);
		any = 1;
	}
	if (!any && n > 0)
		qmeta_note(m, 0, "XMP");
}

/* ---- IPTC (Photoshop resources and TIFF's IPTC tag) ---------------------- */

void
qmeta_iptc(struct qmeta *m, const unsigned char *p, size_t n)
{
	char v[64];
	int any = 0;

	for (size_t i = 0; i + 5 <= n; i++) {
		size_t len;
		int ds;
		if (p[i] != 0x1c || p[i + 1] != 2)
			continue;
		ds = p[i + 2];
		len = (size_t)p[i + 3] << 8 | p[i + 4];
		if (len > n - i - 5)
			continue;
		qmeta_clean(v, sizeof(v), p + i + 5, len);
		if (ds == 80)
			qmeta_note(m, 1, "IPTC by-line %s", v), any = 1;
		else if (ds == 90 || ds == 92 || ds == 95 || ds == 101)
			qmeta_note(m, 1, "IPTC place %s", v), any = 1;
		i += 4 + len;
	}
	if (!any)
		qmeta_note(m, 0, "Photoshop/IPTC data");
}

/* ---- ISO 6709 ---------------------------------------------------------- */

static int
coord(const char **s, const char *end, double *v)
{
	const char *p = *s;
	double sign = *p == '-' ? -1 : 1, x = 0, f = 0.1;
	int digits = 0;

	for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++)
		x = x * 10 + (*p - '0');
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, f /= 10)
			x += (*p - '0') * f;
	*s = p;
	*v = sign * x;
	return digits >= 2 && digits <= 3 ? 0 : -1;
}

int
qmeta_iso6709(const char *p, size_t n, char *out, size_t outsz)
{
	const char *end = p + n;

	for (const char *s = p; s + 4 < end; s++) {
		const char *t = s;
		double lat, lon;
		if ((*s != '+' && *s != '-') || s[1] < '0' || s[1] > '9')
			continue;
		if (coord(&t, end, &lat) < 0 || t >= end ||
		    (*t != '+' && *t != '-') || coord(&t, end, &lon) < 0)
			continue;
		if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
			continue;
		snprintf(out, outsz, "GPS %.2f %c %.2f %c", lat < 0 ? -lat :
		    lat, lat < 0 ? 'S' : 'N', lon < 0 ? -lon : lon, lon < 0 ?
		    'W' : 'E');
		return 1;
	}
	return 0;
}
