/* The C API header as strict C11 (-std=c11 -pedantic -Werror), and a C
 * program that links libecgdig_c and checks what needs no page image. */
#include "ecgdig.h"

#include <stdio.h>
#include <string.h>

static int check(int ok, const char *what) {
  if (!ok) fprintf(stderr, "FAILED: %s\n", what);
  return ok ? 0 : 1;
}

int main(void) {
  ecgdig_pipeline_options opts = ECGDIG_PIPELINE_OPTIONS_INIT;
  ecgdig_pipeline_options from_init;
  ecgdig_pipeline *pipeline = NULL;
  ecgdig_result *result = NULL;
  ecgdig_maps *maps = NULL;
  const uint8_t pixel[3] = {255, 255, 255};
  ecgdig_image_view view;
  int failures = 0;

  view.data = pixel;
  view.width = 1;
  view.height = 1;
  view.stride_bytes = 2; /* shorter than one BGR pixel */
  view.format = ECGDIG_PIXEL_BGR8;

  failures += check(ecgdig_abi_version() >= ECGDIG_ABI_VERSION, "library ABI at least the header's");
  failures += check(strlen(ecgdig_version()) > 0, "version string");
  failures += check(ecgdig_last_error_message() != NULL, "message never NULL");
  failures += check(ecgdig_pipeline_options_init(&from_init) == ECGDIG_OK, "options init");
  failures += check(from_init.struct_size == opts.struct_size, "init and macro agree");
  opts.num_threads = 1;
  failures += check(ecgdig_pipeline_create(&opts, &pipeline) == ECGDIG_OK, "pipeline create");
  failures += check(ecgdig_digitize_image(pipeline, &view, &result) == ECGDIG_E_INVALID_ARG,
                    "short stride refused");
  failures += check(result == NULL, "no result on failure");
  failures += check(strstr(ecgdig_last_error_message(), "stride_bytes") != NULL, "message names stride");
  failures += check(ecgdig_segment_image(pipeline, NULL, &maps) == ECGDIG_E_INVALID_ARG, "NULL view");
  failures += check(ecgdig_digitize_file(pipeline, "/nonexistent/page.png", &result) == ECGDIG_E_IO,
                    "missing file is an I/O error");
  ecgdig_maps_free(maps);
  ecgdig_result_free(result);
  ecgdig_pipeline_free(pipeline);
  ecgdig_pipeline_free(NULL);

  printf("ecgdig %s (ABI %u) from C11: %s\n", ecgdig_version(), (unsigned)ecgdig_abi_version(),
         failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
