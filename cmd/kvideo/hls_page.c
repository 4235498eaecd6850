/*
 * hls_page.c: the player page written next to the playlists: index.html
 * playing master.m3u8 with hls.js (or natively where the browser plays
 * HLS), and hls.min.js copied beside it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hls.h"
#include "banned.h"

/* Where hls.js is published when no copy is found (the page then needs it). */
#define HLSJS_CDN "https://cdn.jsdelivr.net/npm/hls.js@1.7.4/dist/hls.min.js"

static const char page_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>";

static const char page_style[] =
	"</title>\n"
	"<style>\n"
	"body { margin: 0; background: #111; color: #ccc;\n"
	"       font: 14px/1.4 system-ui, sans-serif; }\n"
	"video { display: block; width: 100%; max-height: 90vh; background: #000; }\n"
	"#status { padding: 4px 8px; }\n"
	"</style>\n"
	"</head>\n"
	"<body>\n"
	"<video id=\"video\" controls autoplay muted playsinline></video>\n"
	"<div id=\"status\"></div>\n";

/*
 * The player. window.kinPlayer records hls.js errors for tests and
 * debugging; a fatal network error in a live session is retried, a media
 * error recovered once, anything else shown.
 */
static const char page_script[] =
	"<script>\n"
	"(function () {\n"
	"  var src = \"master.m3u8\";\n"
	"  var video = document.getElementById(\"video\");\n"
	"  var status = document.getElementById(\"status\");\n"
	"  var kin = window.kinPlayer = { errors: [], fatal: null, live: @LIVE@ };\n"
	"  function say(text) { status.textContent = text; }\n"
	"  say(@TITLE@ + (kin.live ? \" (live)\" : \"\"));\n"
	"  if (window.Hls && window.Hls.isSupported()) {\n"
	"    var hls = new window.Hls({ liveSyncDurationCount: 2 });\n"
	"    var recovered = false;\n"
	"    kin.hls = hls;\n"
	"    hls.on(window.Hls.Events.ERROR, function (event, data) {\n"
	"      kin.errors.push(data.type + \": \" + data.details +\n"
	"                      (data.fatal ? \" (fatal)\" : \"\"));\n"
	"      if (!data.fatal)\n"
	"        return;\n"
	"      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && !recovered) {\n"
	"        recovered = true;\n"
	"        hls.recoverMediaError();\n"
	"        return;\n"
	"      }\n"
	"      kin.fatal = data.details;\n"
	"      say(\"error: \" + data.details);\n"
	"    });\n"
	"    hls.on(window.Hls.Events.MANIFEST_PARSED, function () {\n"
	"      video.play().catch(function () {});\n"
	"    });\n"
	"    hls.loadSource(src);\n"
	"    hls.attachMedia(video);\n"
	"  } else if (video.canPlayType(\"application/vnd.apple.mpegurl\")) {\n"
	"    video.src = src;\n"
	"  } else {\n"
	"    kin.fatal = \"unsupported\";\n"
	"    say(\"This browser cannot play HLS (no Media Source Extensions).\");\n"
	"  }\n"
	"})();\n"
	"</script>\n"
	"</body>\n"
	"</html>\n";

/* Appends s to b escaped for HTML text and a JavaScript string in it. */
static void add_escaped(struct kc_buf *b, const char *s, int js)
{
	for (; *s; s++) {
		if (*s == '<')
			kc_buf_adds(b, js ? "\\x3c" : "&lt;");
		else if (*s == '>')
			kc_buf_adds(b, js ? "\\x3e" : "&gt;");
		else if (*s == '&')
			kc_buf_adds(b, js ? "\\x26" : "&amp;");
		else if (js && (*s == '"' || *s == '\\'))
			kc_buf_addf(b, "\\%c", *s);
		else
			kc_buf_addc(b, *s);
	}
}

/* Appends tmpl to b with @LIVE@ and @TITLE@ replaced. */
static void add_script(struct kc_buf *b, const char *tmpl, int live,
		       const char *title)
{
	const char *p;

	while ((p = strchr(tmpl, '@'))) {
		kc_buf_add(b, tmpl, (size_t)(p - tmpl));
		if (!strncmp(p, "@LIVE@", 6)) {
			kc_buf_adds(b, live ? "true" : "false");
			tmpl = p + 6;
		} else if (!strncmp(p, "@TITLE@", 7)) {
			kc_buf_addc(b, '"');
			add_escaped(b, title, 1);
			kc_buf_addc(b, '"');
			tmpl = p + 7;
		} else {
			kc_buf_addc(b, '@');
			tmpl = p + 1;
		}
	}
	kc_buf_adds(b, tmpl);
}

/* Whether path names a readable file. */
static int readable(const char *path)
{
	return path && *path && access(path, R_OK) == 0;
}

/*
 * Finds hls.min.js: the given path, $KIN_HLSJS, then beside the program
 * as installed (BINDIR/../share/kin/hls.min.js) or as built in the source
 * tree (build/NAME/bin/../../../tests/node/node_modules/hls.js/dist/).
 * Returns a malloc'd path or NULL.
 */
static char *find_hlsjs(const char *given)
{
	static const char *const rel[] = {
		"../share/kin/hls.min.js",
		"../../../tests/node/node_modules/hls.js/dist/hls.min.js",
	};
	char exe[PATH_MAX], *slash;
	struct kc_buf b = KC_BUF_INIT;
	ssize_t n;
	size_t i;

	if (given)
		return kc_xstrdup(given);
	if (readable(getenv("KIN_HLSJS")))
		return kc_xstrdup(getenv("KIN_HLSJS"));
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	slash[1] = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		kc_buf_reset(&b);
		kc_buf_adds(&b, exe);
		kc_buf_adds(&b, rel[i]);
		if (readable(b.data))
			return b.data;
	}
	kc_buf_release(&b);
	return NULL;
}

int kv_hls_write_page(const char *dir, const char *title, int live,
		      const char *hlsjs, int *cdn, struct kc_error *e)
{
	struct kc_buf page = KC_BUF_INIT, path = KC_BUF_INIT;
	char *js = find_hlsjs(hlsjs), *data = NULL;
	size_t n;
	int rc = 0;

	*cdn = 0;
	if (js) {
		rc = kc_file_read(js, &data, &n, e);
		if (rc < 0) {
			kc_error_prefix(e, "hls.js: ");
			goto out;
		}
		kc_buf_addf(&path, "%s/hls.min.js", dir);
		if ((rc = kc_file_replace(path.data, data, n, e)) < 0)
			goto out;
	} else {
		*cdn = 1;
	}
	kc_buf_adds(&page, page_head);
	add_escaped(&page, title, 0);
	kc_buf_adds(&page, page_style);
	kc_buf_addf(&page, "<script src=\"%s\"></script>\n",
		    js ? "hls.min.js" : HLSJS_CDN);
	add_script(&page, page_script, live, title);
	kc_buf_reset(&path);
	kc_buf_addf(&path, "%s/index.html", dir);
	rc = kc_file_replace(path.data, page.data, page.len, e);
out:
	free(js);
	free(data);
	kc_buf_release(&page);
	kc_buf_release(&path);
	return rc;
}
