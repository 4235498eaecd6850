/*
 * pending.c: placeholders for the subcommands whose files are not written
 * yet. They are weak symbols: a subcommand's real file overrides its line
 * here without touching this file; V1 deletes the file once all exist.
 */
#include <err.h>

#include "kvideo.h"
#include "banned.h"

/* V2: delete when cmd/kvideo/media.c exists */
__attribute__((weak)) int kv_cmd_get_media(int argc, char **argv) { (void)argc; errx(1, "%s: not yet built", argv[0]); }
/* V2: delete when cmd/kvideo/hls.c exists */
__attribute__((weak)) int kv_cmd_hls(int argc, char **argv) { (void)argc; errx(1, "%s: not yet built", argv[0]); }
/* V3: delete when cmd/kvideo/clip.c exists */
__attribute__((weak)) int kv_cmd_get_clip(int argc, char **argv) { (void)argc; errx(1, "%s: not yet built", argv[0]); }
/* V3: delete when cmd/kvideo/images.c exists */
__attribute__((weak)) int kv_cmd_get_images(int argc, char **argv) { (void)argc; errx(1, "%s: not yet built", argv[0]); }
